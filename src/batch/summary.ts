import type { RunMetric } from "../analysis/metrics.js";
import { OUTCOMES, type Outcome } from "../guest/outcome.js";

/** What the summaries need of a runs.csv row. */
export interface SummaryInput {
  run: number;
  profile: string;
  linkFailed: number;
  dropped: number;
  dropWindowTotal: number;
  resizeCycles: number;
  resetAttempts: number;
  /** Resets the driver started itself (not the scenario's own FLR or reset). */
  portResets: number;
  outcome: string;
  /** The conditional loss estimator (runs.csv p_loss_conditional), or null where not valid. */
  pLossConditional: number | null;
}

/** outcome_<name> columns: runs per outcome (src/guest/outcome.ts). */
export const OUTCOME_COLUMNS = OUTCOMES.map(
  (o) => `outcome_${o}`,
) as readonly `outcome_${Outcome}`[];

export const SUMMARY_COLUMNS = [
  "profile",
  "runs",
  "link_failures",
  "failure_rate",
  "failure_ci95_low",
  "failure_ci95_high",
  "failure_upper95_exact",
  "runs_with_drops",
  "drop_rate",
  "drop_rate_ci95_low",
  "drop_rate_ci95_high",
  "mean_drops",
  "mean_drops_se",
  "drop_window_total_p50_ns",
  "drop_window_total_p90_ns",
  "drop_window_total_p99_ns",
  "drop_window_total_max_ns",
  "mean_resize_cycles",
  "runs_with_resets",
  "reset_rate",
  "reset_rate_ci95_low",
  "reset_rate_ci95_high",
  "mean_reset_attempts",
  ...OUTCOME_COLUMNS,
  "not_ok",
  "not_ok_rate",
  "not_ok_ci95_low",
  "not_ok_ci95_high",
  "mean_port_resets",
  // The conditional loss estimator: rows where it is valid, their mean and its 95% interval
  // (mean +- 1.96 standard errors), beside drop_rate (the plain count of runs with drops).
  "p_loss_conditional_runs",
  "p_loss_conditional_mean",
  "p_loss_conditional_ci95_low",
  "p_loss_conditional_ci95_high",
  // A batch run to a target precision (--target-halfwidth): its metric and the half-width
  // (high - low) / 2 of the Wilson 95% interval of that metric's rate it reached; else empty.
  "halfwidth_metric",
  "halfwidth",
] as const;

export const PAIRED_COLUMNS = [
  "profile_a",
  "profile_b",
  "runs",
  "only_a_failed",
  "only_b_failed",
  "both_failed",
  "neither_failed",
  "mcnemar_p",
  "only_a_dropped",
  "only_b_dropped",
  "mean_drops_diff",
  "mean_drops_diff_se",
] as const;

export type SummaryRow = Record<(typeof SUMMARY_COLUMNS)[number], string | number | null>;
export type PairedRow = Record<(typeof PAIRED_COLUMNS)[number], string | number | null>;

/** Fixed decimals keep files stable and readable; NaN (undefined statistic) is an empty cell. */
export function round(x: number, digits = 8): number | null {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Significant digits, not decimals: a rare-event probability (1e-7) keeps its precision. */
export function roundSignificant(x: number, digits = 10): number | null {
  if (!Number.isFinite(x)) return null;
  return Number(x.toPrecision(digits));
}

/** The runs.csv cells of a summary input that the metrics read (analysis/metrics.ts). */
export function metricCells(r: SummaryInput): Record<string, unknown> {
  return {
    link_failed: r.linkFailed,
    irq_dropped: r.dropped,
    port_resets: r.portResets,
    outcome: r.outcome,
  };
}

/** The 0/1 value of a metric for a summary input. */
export function metricOf(metric: RunMetric, r: SummaryInput): 0 | 1 {
  return metric.of(metricCells(r));
}

/** The summary input of a runs.csv row read by column name (a row in memory, or CSV strings). */
export function summaryInputOf(r: Record<string, unknown>): SummaryInput {
  return {
    run: Number(r.run),
    profile: String(r.profile),
    linkFailed: Number(r.link_failed),
    dropped: Number(r.irq_dropped),
    dropWindowTotal: Number(r.drop_window_total_ns),
    resizeCycles: Number(r.resize_cycles),
    resetAttempts: Number(r.reset_attempts),
    portResets: Number(r.port_resets),
    outcome: String(r.outcome),
    pLossConditional: optionalNumber(r.p_loss_conditional),
  };
}

/** An empty cell (or a runs.csv without the column) is null. */
function optionalNumber(v: unknown): number | null {
  return v === null || v === undefined || v === "" ? null : Number(v);
}
