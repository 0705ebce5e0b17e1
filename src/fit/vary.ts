/**
 * `--vary NAME=LO..HI[:log]`: which scenario knob `fit` moves, over which range and scale. NAME
 * uses the experiment grid's axis names (scenario/axis.ts): a preset --param, or set:PATH for
 * any scenario field. Values are numbers in the knob's unit: ns for durations.
 */
import { formatDuration, parseDuration } from "../engine/index.js";
import { type AxisTarget, type AxisValue, axisTarget, SET_PREFIX } from "../scenario/axis.js";
import { InputError } from "../scenario/errors.js";
import type { Preset } from "../scenario/presets.js";
import type { SearchAxis } from "./search.js";

export type VaryKind = "number" | "integer" | "duration";

export interface VaryAxis extends SearchAxis {
  /** As given: "rate", "set:traffic.0.poisson.rate". */
  name: string;
  target: AxisTarget;
  kind: VaryKind;
  /** The --vary argument, for messages. */
  spec: string;
}

const USAGE = "expected NAME=LO..HI or NAME=LO..HI:log";

/** The knobs --vary accepts for a preset: its number, integer and duration parameters. */
export function varyNames(preset: Preset | null): string[] {
  const params = (preset?.params ?? [])
    .filter((p) => p.kind === "number" || p.kind === "integer" || p.kind === "duration")
    .map((p) => p.name);
  return [...params, `${SET_PREFIX}PATH`];
}

/**
 * Parses one --vary against the preset (null for a scenario file: only set:PATH then). The
 * range's values are checked against the scenario schema later, by resolving the scenario at
 * both ends (fit.ts), before anything runs.
 */
export function parseVary(spec: string, preset: Preset | null): VaryAxis {
  const field = `--vary ${spec}`;
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new InputError(`${field}: ${USAGE}`);
  const name = spec.slice(0, eq);
  let range = spec.slice(eq + 1);
  const log = range.endsWith(":log");
  if (log) range = range.slice(0, -":log".length);
  const dots = range.indexOf("..");
  if (dots <= 0 || dots + 2 >= range.length) throw new InputError(`${field}: ${USAGE}`);
  const loRaw = range.slice(0, dots).trim();
  const hiRaw = range.slice(dots + 2).trim();
  const target = axisTarget(name);
  const valid = () => varyNames(preset).join(", ");
  let kind: VaryKind;
  if (target.kind === "preset") {
    throw new InputError(`${field}: the preset is not a number; vary one of: ${valid()}`);
  } else if (target.kind === "param") {
    if (preset === null) {
      throw new InputError(
        `${field}: "${name}" is a preset parameter, and --scenario has none; vary a scenario field with set:PATH (e.g. set:traffic.0.poisson.rate)`,
      );
    }
    const def = preset.params.find((p) => p.name === name);
    if (def === undefined) {
      throw new InputError(
        `${field}: preset ${preset.name} has no parameter "${name}" (valid: ${valid()})`,
      );
    }
    if (def.kind === "boolean" || def.kind === "choice") {
      throw new InputError(
        `${field}: ${name} is a ${def.kind} parameter; fit varies numbers and durations (valid: ${valid()})`,
      );
    }
    kind = def.kind;
  } else {
    if (target.path === "") throw new InputError(`${field}: set: needs a path, e.g. set:duration`);
    // A field's kind is seen in how the ends are written: "10us" is a duration, "10" a number.
    kind = isNumber(loRaw) && isNumber(hiRaw) ? "number" : "duration";
  }
  const lo = endValue(loRaw, kind, `${field}: LO`);
  const hi = endValue(hiRaw, kind, `${field}: HI`);
  if (!(lo < hi)) {
    throw new InputError(`${field}: LO must be below HI (got ${loRaw} and ${hiRaw})`);
  }
  if (log && lo <= 0) {
    throw new InputError(`${field}: a :log range needs LO > 0 (got ${loRaw})`);
  }
  return { name, target, kind, spec, lo, hi, log, round: rounder(kind) };
}

function isNumber(s: string): boolean {
  return s !== "" && Number.isFinite(Number(s));
}

function endValue(raw: string, kind: VaryKind, what: string): number {
  if (kind === "duration") {
    try {
      return parseDuration(raw);
    } catch (e) {
      throw new InputError(`${what}: ${(e as Error).message}`);
    }
  }
  if (!isNumber(raw)) throw new InputError(`${what}: "${raw}" is not a number`);
  const x = Number(raw);
  if (kind === "integer" && !Number.isInteger(x)) {
    throw new InputError(`${what}: must be a whole number (got ${raw})`);
  }
  return x;
}

/**
 * Values in between are rounded so that they can be written and read back exactly (folder names,
 * CSV): five significant digits, whole ns for durations, whole numbers for integers.
 */
function rounder(kind: VaryKind): (x: number) => number {
  const sig = (x: number) => Number(x.toPrecision(5));
  if (kind === "integer") return (x) => Math.round(x);
  if (kind === "duration") return (x) => Math.max(0, Math.round(sig(x)));
  return sig;
}

/** The value as the axis takes it: a --param string ("12000ns" for a duration) or a JSON value. */
export function axisValue(a: VaryAxis, x: number): AxisValue {
  if (a.target.kind === "param" && a.kind === "duration") return `${x}ns`;
  return x;
}

/** "12.5 us" for a duration, the number otherwise: for messages and plots. */
export function formatValue(a: Pick<VaryAxis, "kind">, x: number): string {
  if (a.kind === "duration") return formatDuration(Math.round(x));
  return String(Number(x.toPrecision(4)));
}

/** A folder-name-safe "name=value". */
export function slugPart(a: VaryAxis, x: number): string {
  return `${a.name.replace(/^set:/, "").replace(/[^a-zA-Z0-9_.-]/g, "_")}=${String(x).replace(/[^a-zA-Z0-9_.-]/g, "_")}`;
}
