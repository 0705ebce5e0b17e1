import { METRIC_NAMES, METRICS, type RunMetric } from "../analysis/metrics.js";
import { OUTCOMES } from "../guest/outcome.js";
import {
  mcnemarExact,
  mean as meanOf,
  quantile,
  standardError as standardErrorOf,
  wilson,
  Z95,
  zeroEventUpperBound,
} from "./stats.js";
import {
  metricCells,
  type PairedRow,
  round,
  roundSignificant,
  type SummaryInput,
  type SummaryRow,
} from "./summary.js";

/**
 * The batch summaries (summary.csv, paired.csv, the outcome counts, the stopping rule's
 * half-widths) built as runs arrive in run order, so that a batch never holds its rows.
 *
 * Counts and sums are running totals. Summed in run order they are the very numbers a pass
 * over all rows gives (floating-point addition in the same order). What cannot be a running
 * total keeps one number a run per profile in a typed array, 8 bytes each:
 *  - the drop-window total (exact quantiles: p50, p90, p99, max),
 *  - the drop count (its standard error is the two-pass one, sum of squared deviations from
 *    the mean, as before; and paired.csv's per-run differences between two profiles),
 *  - the conditional loss estimate where valid (its mean and standard error),
 *  - one byte a run of metric bits (the --target-halfwidth rule reads any prefix of runs: a
 *    resumed batch replays its decisions at boundaries below the runs it already holds).
 * About 25 bytes a run and profile: 50 MB for a million runs of two profiles.
 */
export class SummaryAccumulator {
  readonly profiles: readonly string[];
  private readonly p: ProfileTotals[];
  private readonly pairs: PairTotals[] = [];
  runs = 0;

  constructor(profiles: readonly string[]) {
    this.profiles = profiles;
    this.p = profiles.map(() => new ProfileTotals());
    for (let i = 0; i < profiles.length; i++) {
      for (let j = i + 1; j < profiles.length; j++) this.pairs.push(new PairTotals(i, j));
    }
  }

  /** One run: its row under every profile, in `profiles` order. */
  addRun(inputs: readonly SummaryInput[]): void {
    if (inputs.length !== this.p.length) {
      throw new Error(`summary: run has ${inputs.length} rows for ${this.p.length} profiles`);
    }
    for (let i = 0; i < inputs.length; i++) {
      const r = inputs[i]!;
      if (r.profile !== this.profiles[i]) {
        throw new Error(
          `summary: run ${r.run} has profile ${r.profile} where ${this.profiles[i]} belongs`,
        );
      }
      this.p[i]!.add(r);
    }
    for (const pair of this.pairs) pair.add(inputs[pair.a]!, inputs[pair.b]!);
    this.runs++;
  }

  summary(metric?: RunMetric): SummaryRow[] {
    return this.profiles.map((profile, i) => this.p[i]!.row(profile, metric));
  }

  paired(): PairedRow[] {
    return this.pairs.map((pair) =>
      pair.row(this.profiles[pair.a]!, this.profiles[pair.b]!, this.p[pair.a]!, this.p[pair.b]!),
    );
  }

  /** Per profile: the half-width of the metric's Wilson 95% interval over the first n runs. */
  halfwidths(metric: RunMetric, n: number): Map<string, number> {
    if (n > this.runs) throw new Error(`summary: half-width over ${n} runs of ${this.runs}`);
    return new Map(this.profiles.map((p, i) => [p, this.p[i]!.halfwidth(metric, n)]));
  }

  /** Per profile: runs, and runs per outcome other than ok (analysis/outcomes.ts's shape). */
  outcomes(): Map<string, { runs: number; counts: Record<string, number> }> {
    return new Map(
      this.profiles.map((profile, i) => {
        const t = this.p[i]!;
        const counts: Record<string, number> = {};
        for (const [o, k] of t.byOutcome) if (o !== "ok" && o !== "" && k > 0) counts[o] = k;
        return [profile, { runs: t.n, counts }];
      }),
    );
  }
}

/** A typed array that doubles when full. */
class Growable<T extends Float64Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  view(n = this.length): T {
    return this.data.subarray(0, n) as T;
  }
}
const numbers = () => new Growable(new Float64Array(1024), (n) => new Float64Array(n));

/** Bit i of a run's metric byte: METRIC_NAMES[i] counts that run. */
const METRIC_BIT = new Map(METRIC_NAMES.map((name, i) => [name, 1 << i]));

class ProfileTotals {
  n = 0;
  failures = 0;
  withDrops = 0;
  withResets = 0;
  sumResizeCycles = 0;
  sumResetAttempts = 0;
  sumPortResets = 0;
  readonly byOutcome = new Map<string, number>(OUTCOMES.map((o) => [o, 0]));
  readonly windows = numbers();
  readonly drops = numbers();
  readonly cond = numbers();
  readonly metricBits = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));

  add(r: SummaryInput): void {
    const cells = metricCells(r);
    let bits = 0;
    for (const [name, bit] of METRIC_BIT) if (METRICS[name].of(cells) === 1) bits |= bit;
    this.metricBits.push(bits);
    this.n++;
    if (r.linkFailed === 1) this.failures++;
    if (r.dropped > 0) this.withDrops++;
    if (r.portResets > 0) this.withResets++;
    this.sumResizeCycles += r.resizeCycles;
    this.sumResetAttempts += r.resetAttempts;
    this.sumPortResets += r.portResets;
    this.byOutcome.set(r.outcome, (this.byOutcome.get(r.outcome) ?? 0) + 1);
    this.windows.push(r.dropWindowTotal);
    this.drops.push(r.dropped);
    if (r.pLossConditional !== null) this.cond.push(r.pLossConditional);
  }

  halfwidth(metric: RunMetric, n: number): number {
    const bit = METRIC_BIT.get(metric.name)!;
    let k = 0;
    const bits = this.metricBits.data;
    for (let i = 0; i < n; i++) if ((bits[i]! & bit) !== 0) k++;
    const w = wilson(k, n);
    return (w.high - w.low) / 2;
  }

  row(profile: string, metric: RunMetric | undefined): SummaryRow {
    const n = this.n;
    const byOutcome = Object.fromEntries(
      OUTCOMES.map((o) => [`outcome_${o}`, this.byOutcome.get(o) ?? 0]),
    );
    const notOk = n - byOutcome.outcome_ok!;
    const nw = wilson(notOk, n);
    const rw = wilson(this.withResets, n);
    const fw = wilson(this.failures, n);
    const dw = wilson(this.withDrops, n);
    const windows = this.windows.view().slice().sort();
    const cond = this.cond.view();
    const condMean = meanOf(cond);
    const condHalf = Z95 * standardErrorOf(cond);
    const mean = (sum: number) => (n === 0 ? Number.NaN : sum / n);
    return {
      profile,
      runs: n,
      link_failures: this.failures,
      failure_rate: round(this.failures / n),
      failure_ci95_low: round(fw.low),
      failure_ci95_high: round(fw.high),
      failure_upper95_exact: this.failures === 0 ? round(zeroEventUpperBound(n)) : null,
      runs_with_drops: this.withDrops,
      drop_rate: round(this.withDrops / n),
      drop_rate_ci95_low: round(dw.low),
      drop_rate_ci95_high: round(dw.high),
      mean_drops: round(meanOf(this.drops.view())),
      mean_drops_se: round(standardErrorOf(this.drops.view())),
      drop_window_total_p50_ns: nullIfNaN(quantile(windows, 0.5)),
      drop_window_total_p90_ns: nullIfNaN(quantile(windows, 0.9)),
      drop_window_total_p99_ns: nullIfNaN(quantile(windows, 0.99)),
      drop_window_total_max_ns: nullIfNaN(quantile(windows, 1)),
      mean_resize_cycles: round(mean(this.sumResizeCycles)),
      runs_with_resets: this.withResets,
      reset_rate: round(this.withResets / n),
      reset_rate_ci95_low: round(rw.low),
      reset_rate_ci95_high: round(rw.high),
      mean_reset_attempts: round(mean(this.sumResetAttempts)),
      ...byOutcome,
      not_ok: notOk,
      not_ok_rate: round(notOk / n),
      not_ok_ci95_low: round(nw.low),
      not_ok_ci95_high: round(nw.high),
      mean_port_resets: round(mean(this.sumPortResets)),
      p_loss_conditional_runs: cond.length,
      p_loss_conditional_mean: roundSignificant(condMean),
      p_loss_conditional_ci95_low: roundSignificant(Math.max(0, condMean - condHalf)),
      p_loss_conditional_ci95_high: roundSignificant(Math.min(1, condMean + condHalf)),
      halfwidth_metric: metric?.name ?? null,
      // Unrounded: the very number the stopping rule compared with the target.
      halfwidth: metric === undefined || n === 0 ? null : this.halfwidth(metric, n),
    } as SummaryRow;
  }
}

class PairTotals {
  onlyA = 0;
  onlyB = 0;
  both = 0;
  neither = 0;
  onlyADrop = 0;
  onlyBDrop = 0;
  constructor(
    readonly a: number,
    readonly b: number,
  ) {}

  add(x: SummaryInput, y: SummaryInput): void {
    if (x.linkFailed && y.linkFailed) this.both++;
    else if (x.linkFailed) this.onlyA++;
    else if (y.linkFailed) this.onlyB++;
    else this.neither++;
    if (x.dropped > 0 && y.dropped === 0) this.onlyADrop++;
    if (y.dropped > 0 && x.dropped === 0) this.onlyBDrop++;
  }

  row(a: string, b: string, ta: ProfileTotals, tb: ProfileTotals): PairedRow {
    const xa = ta.drops.view();
    const xb = tb.drops.view();
    const diffs = new Float64Array(xa.length);
    for (let i = 0; i < xa.length; i++) diffs[i] = xa[i]! - xb[i]!;
    return {
      profile_a: a,
      profile_b: b,
      runs: diffs.length,
      only_a_failed: this.onlyA,
      only_b_failed: this.onlyB,
      both_failed: this.both,
      neither_failed: this.neither,
      mcnemar_p: round(mcnemarExact(this.onlyA, this.onlyB)),
      only_a_dropped: this.onlyADrop,
      only_b_dropped: this.onlyBDrop,
      mean_drops_diff: round(meanOf(diffs)),
      mean_drops_diff_se: round(standardErrorOf(diffs)),
    };
  }
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
