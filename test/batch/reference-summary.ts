/**
 * The batch summaries as they were computed before batches streamed (issue 14): from every
 * row held in memory. Kept as the reference the streaming SummaryAccumulator must equal.
 */
import type { RunMetric } from "../../src/analysis/metrics.js";
import {
  mcnemarExact,
  mean,
  quantile,
  standardError,
  wilson,
  Z95,
  zeroEventUpperBound,
} from "../../src/batch/stats.js";
import {
  metricOf,
  type PairedRow,
  round,
  roundSignificant,
  type SummaryInput,
  type SummaryRow,
} from "../../src/batch/summary.js";
import { OUTCOMES } from "../../src/guest/outcome.js";

/** Half the width of the Wilson 95% interval of a metric's rate over rows. */
export function metricHalfwidth(metric: RunMetric, rs: readonly SummaryInput[]): number {
  let k = 0;
  for (const r of rs) k += metricOf(metric, r);
  const w = wilson(k, rs.length);
  return (w.high - w.low) / 2;
}

export function summarize(
  rows: readonly SummaryInput[],
  profiles: readonly string[],
  /** The metric of a batch run to a target precision: its achieved half-width is reported. */
  metric?: RunMetric,
): SummaryRow[] {
  return profiles.map((profile) => {
    const rs = rows.filter((r) => r.profile === profile);
    const n = rs.length;
    const failures = rs.filter((r) => r.linkFailed === 1).length;
    const withDrops = rs.filter((r) => r.dropped > 0).length;
    const withResets = rs.filter((r) => r.portResets > 0).length;
    const byOutcome = Object.fromEntries(
      OUTCOMES.map((o) => [`outcome_${o}`, rs.filter((r) => r.outcome === o).length]),
    );
    const notOk = n - byOutcome.outcome_ok!;
    const nw = wilson(notOk, n);
    const rw = wilson(withResets, n);
    const fw = wilson(failures, n);
    const dw = wilson(withDrops, n);
    const windows = rs.map((r) => r.dropWindowTotal).sort((a, b) => a - b);
    const drops = rs.map((r) => r.dropped);
    const cond: number[] = [];
    for (const r of rs) if (r.pLossConditional !== null) cond.push(r.pLossConditional);
    const condMean = mean(cond);
    const condHalf = Z95 * standardError(cond);
    return {
      profile,
      runs: n,
      link_failures: failures,
      failure_rate: round(failures / n),
      failure_ci95_low: round(fw.low),
      failure_ci95_high: round(fw.high),
      failure_upper95_exact: failures === 0 ? round(zeroEventUpperBound(n)) : null,
      runs_with_drops: withDrops,
      drop_rate: round(withDrops / n),
      drop_rate_ci95_low: round(dw.low),
      drop_rate_ci95_high: round(dw.high),
      mean_drops: round(mean(drops)),
      mean_drops_se: round(standardError(drops)),
      drop_window_total_p50_ns: nullIfNaN(quantile(windows, 0.5)),
      drop_window_total_p90_ns: nullIfNaN(quantile(windows, 0.9)),
      drop_window_total_p99_ns: nullIfNaN(quantile(windows, 0.99)),
      drop_window_total_max_ns: nullIfNaN(quantile(windows, 1)),
      mean_resize_cycles: round(mean(rs.map((r) => r.resizeCycles))),
      runs_with_resets: withResets,
      reset_rate: round(withResets / n),
      reset_rate_ci95_low: round(rw.low),
      reset_rate_ci95_high: round(rw.high),
      mean_reset_attempts: round(mean(rs.map((r) => r.resetAttempts))),
      ...byOutcome,
      not_ok: notOk,
      not_ok_rate: round(notOk / n),
      not_ok_ci95_low: round(nw.low),
      not_ok_ci95_high: round(nw.high),
      mean_port_resets: round(mean(rs.map((r) => r.portResets))),
      p_loss_conditional_runs: cond.length,
      p_loss_conditional_mean: roundSignificant(condMean),
      p_loss_conditional_ci95_low: roundSignificant(Math.max(0, condMean - condHalf)),
      p_loss_conditional_ci95_high: roundSignificant(Math.min(1, condMean + condHalf)),
      halfwidth_metric: metric?.name ?? null,
      // Unrounded: the very number the stopping rule compared with the target.
      halfwidth: metric === undefined || n === 0 ? null : metricHalfwidth(metric, rs),
    } as SummaryRow;
  });
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

/** For each pair of profiles, compared run by run on the same seeds. */
export function pairedSummary(
  rows: readonly SummaryInput[],
  profiles: readonly string[],
): PairedRow[] {
  const byRun = new Map<string, SummaryInput>();
  for (const r of rows) byRun.set(`${r.profile}\u0000${r.run}`, r);
  const runs = [...new Set(rows.map((r) => r.run))].sort((a, b) => a - b);
  const out: PairedRow[] = [];
  for (let i = 0; i < profiles.length; i++) {
    for (let j = i + 1; j < profiles.length; j++) {
      const a = profiles[i]!;
      const b = profiles[j]!;
      let onlyA = 0;
      let onlyB = 0;
      let both = 0;
      let neither = 0;
      let onlyADrop = 0;
      let onlyBDrop = 0;
      const diffs: number[] = [];
      for (const run of runs) {
        const x = byRun.get(`${a}\u0000${run}`);
        const y = byRun.get(`${b}\u0000${run}`);
        if (x === undefined || y === undefined) continue;
        if (x.linkFailed && y.linkFailed) both++;
        else if (x.linkFailed) onlyA++;
        else if (y.linkFailed) onlyB++;
        else neither++;
        if (x.dropped > 0 && y.dropped === 0) onlyADrop++;
        if (y.dropped > 0 && x.dropped === 0) onlyBDrop++;
        diffs.push(x.dropped - y.dropped);
      }
      out.push({
        profile_a: a,
        profile_b: b,
        runs: diffs.length,
        only_a_failed: onlyA,
        only_b_failed: onlyB,
        both_failed: both,
        neither_failed: neither,
        mcnemar_p: round(mcnemarExact(onlyA, onlyB)),
        only_a_dropped: onlyADrop,
        only_b_dropped: onlyBDrop,
        mean_drops_diff: round(mean(diffs)),
        mean_drops_diff_se: round(standardError(diffs)),
      });
    }
  }
  return out;
}
