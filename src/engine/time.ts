/**
 * Simulated time is an integer number of nanoseconds held in a JS number.
 * 2^53 ns is about 104 days, far beyond any run we model.
 */
export type Time = number;

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const S = 1_000_000_000;

const UNIT_NS: Record<string, number> = { ns: NS, us: US, µs: US, ms: MS, s: S };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?\s*$/;

/** A duration as written in specs: "2us", "1.5ms", "3 s", 250 (ns) or "250" (ns). */
export type DurationInput = string | number;

/**
 * Parses a duration to integer ns. Throws an Error naming the problem
 * (the caller prefixes the field path).
 */
export function parseDuration(input: DurationInput): Time {
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input) || input < 0) {
      throw new Error(`duration ${input} must be a non-negative whole number of ns`);
    }
    return input;
  }
  if (typeof input !== "string") {
    throw new Error(`duration must be a string such as "2us" or a whole number of ns`);
  }
  const m = DURATION_RE.exec(input);
  if (m === null) {
    throw new Error(
      `duration "${input}" is not understood: use a number with unit ns, us, ms or s (e.g. "2us")`,
    );
  }
  const unit = m[2] ?? "ns";
  const ns = Number(m[1]) * UNIT_NS[unit]!;
  const rounded = Math.round(ns);
  // Accept float noise such as 1.1ms = 1100000.0000000002 ns, reject real fractions of a ns.
  if (Math.abs(ns - rounded) > 1e-6 * Math.max(1, ns)) {
    throw new Error(`duration "${input}" is not a whole number of ns`);
  }
  if (!Number.isSafeInteger(rounded)) throw new Error(`duration "${input}" is too large`);
  return rounded;
}

/** Human form of a duration, shortest unit that keeps it readable: 1.204512 ms. */
export function formatDuration(ns: Time): string {
  if (ns >= S) return `${trim(ns / S)} s`;
  if (ns >= MS) return `${trim(ns / MS)} ms`;
  if (ns >= US) return `${trim(ns / US)} us`;
  return `${ns} ns`;
}

function trim(x: number): string {
  return Number(x.toFixed(6)).toString();
}

/** Fixed-width time stamp for logs: "1.204512 ms" style, always in ms with ns precision. */
export function formatTimestampMs(ns: Time): string {
  const ms = Math.floor(ns / MS);
  const frac = (ns % MS).toString().padStart(6, "0");
  return `${ms}.${frac} ms`;
}
