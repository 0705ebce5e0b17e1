import { METRIC_NAMES, METRICS, type RunMetric } from "../analysis/metrics.js";
import { InputError } from "../scenario/errors.js";

/**
 * Batches that stop at a target precision (--target-halfwidth H): runs go in chunks, in run
 * order, and after each chunk the Wilson 95% interval of the metric's rate is computed per
 * profile over runs 0..n-1; the batch stops once every profile's half-width, (high - low) / 2,
 * is at most H, or at max runs.
 *
 * The chunk boundaries are a fixed schedule that depends on nothing but the run count (not on
 * the workers, not on timing): the decision at a boundary reads exactly runs 0..n-1, and no run
 * beyond a boundary is started before the decision there, so the batch stops at the same run
 * for any worker count, and a resumed batch replays the same decisions from its checkpoint.
 * The schedule grows with the batch (each chunk is half the runs so far) so that a long batch
 * makes few decisions and overshoots the run count it needed by at most half.
 */
export interface AdaptiveOptions {
  readonly target: number;
  readonly maxRuns: number;
  readonly metric: RunMetric;
}

export type StopReason = "target reached" | "max runs";

export const FIRST_CHUNK = 100;
export const DEFAULT_MAX_RUNS = 100_000;
export const CHUNK_RULE =
  "the first 100 runs, then chunks of half the runs so far (rounded up to a multiple of 100), up to max runs";

/** The chunk boundary after `done` runs (done itself a boundary, or 0). */
export function nextBoundary(done: number, maxRuns: number): number {
  const chunk = Math.max(FIRST_CHUNK, Math.ceil(done / 2 / FIRST_CHUNK) * FIRST_CHUNK);
  return Math.min(maxRuns, done + chunk);
}

/** Every chunk boundary up to max runs (for the manifest and the tests). */
export function boundaries(maxRuns: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < maxRuns; ) {
    b = nextBoundary(b, maxRuns);
    out.push(b);
  }
  return out;
}

/** --target-halfwidth: a number in (0, 0.5] (a rate's interval is at most 1 wide). */
export function parseTargetHalfwidth(s: string): number {
  const h = Number(s);
  if (s.trim() === "" || !Number.isFinite(h) || h <= 0 || h > 0.5) {
    throw new InputError(
      `--target-halfwidth: must be a number in (0, 0.5] (the half-width of a rate's 95% interval), got "${s}"`,
    );
  }
  return h;
}

/** --metric: one of METRIC_NAMES (default link_failed). */
export function parseMetric(s: string | undefined): RunMetric {
  if (s === undefined) return METRICS.link_failed;
  if (!(METRIC_NAMES as readonly string[]).includes(s)) {
    throw new InputError(`--metric: unknown metric "${s}" (known: ${METRIC_NAMES.join(", ")})`);
  }
  return METRICS[s as (typeof METRIC_NAMES)[number]];
}
