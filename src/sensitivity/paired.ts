import { Z95 } from "../batch/stats.js";

/**
 * The effect of moving one assumption, on a 0/1 outcome measured run by run on the same seeds
 * (common random numbers): the mean of the paired differences d_r = y_r(point) - y_r(baseline),
 * which is the rate at the point minus the rate at the baseline.
 *
 * Only discordant pairs carry information: `up` runs went 0 -> 1, `down` runs 1 -> 0. With at
 * least EXACT_BELOW of them the interval is the normal one on the mean difference. With fewer
 * (a rare outcome, or an assumption that barely matters) the normal interval would collapse
 * (no discordant pair: a width of zero), so it is replaced by a conservative exact one: the
 * Clopper-Pearson intervals of the two discordant proportions up/n and down/n, each at 97.5%
 * (Bonferroni), combined as [low(up) - high(down), high(up) - low(down)]. It is never a point:
 * with no discordant pair it is about +-3.7/n. The exact one is also used when every run changed
 * the same way (the normal interval's width would be zero).
 */
export interface PairedEffect {
  runs: number;
  up: number;
  down: number;
  effect: number;
  low: number;
  high: number;
  method: "normal" | "exact";
}

export const EXACT_BELOW = 10;

export function pairedEffect(base: readonly (0 | 1)[], point: readonly (0 | 1)[]): PairedEffect {
  if (base.length !== point.length) throw new Error("paired effect: runs differ in number");
  const n = base.length;
  let up = 0;
  let down = 0;
  for (let r = 0; r < n; r++) {
    if (point[r]! > base[r]!) up++;
    else if (point[r]! < base[r]!) down++;
  }
  return pairedFromCounts(n, up, down);
}

export function pairedFromCounts(n: number, up: number, down: number): PairedEffect {
  const effect = n > 0 ? (up - down) / n : Number.NaN;
  if (n === 0)
    return { runs: 0, up, down, effect, low: Number.NaN, high: Number.NaN, method: "exact" };
  if (up + down >= EXACT_BELOW && n > 1) {
    // Var of d: E[d^2] - mean^2, sample-corrected.
    const m2 = (up + down) / n;
    const sd = Math.sqrt(Math.max(0, (m2 - effect * effect) * (n / (n - 1))));
    // Every run changed the same way (sd 0): the normal interval would be a point.
    if (sd > 0) {
      const half = (Z95 * sd) / Math.sqrt(n);
      return {
        runs: n,
        up,
        down,
        effect,
        low: Math.max(-1, effect - half),
        high: Math.min(1, effect + half),
        method: "normal",
      };
    }
  }
  const alpha = 0.025; // each of the two proportions at 97.5%
  const u = clopperPearson(up, n, alpha);
  const d = clopperPearson(down, n, alpha);
  return { runs: n, up, down, effect, low: u.low - d.high, high: u.high - d.low, method: "exact" };
}

/** Two-sided Clopper-Pearson interval for k of n at confidence 1 - alpha. */
export function clopperPearson(k: number, n: number, alpha = 0.05): { low: number; high: number } {
  const low = k === 0 ? 0 : bisect((p) => 1 - binomCdf(k - 1, n, p) - alpha / 2, true);
  const high = k === n ? 1 : bisect((p) => binomCdf(k, n, p) - alpha / 2, false);
  return { low, high };
}

/**
 * The root in (0, 1) of a function monotone in p: increasing (`rising`) or decreasing.
 */
function bisect(f: (p: number) => number, rising: boolean): number {
  let a = 0;
  let b = 1;
  for (let i = 0; i < 100; i++) {
    const m = (a + b) / 2;
    const v = f(m);
    if (v > 0 === rising) b = m;
    else a = m;
  }
  return (a + b) / 2;
}

/** P(X <= k) for X ~ Binomial(n, p), term by term in log space. */
export function binomCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logTerm = n * lq; // log C(n,0) q^n
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + lp - lq;
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/** Mean and 95% normal interval of paired differences of a continuous measure. */
export function pairedMean(
  base: readonly number[],
  point: readonly number[],
): { mean: number; low: number; high: number } {
  const n = base.length;
  if (n === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN };
  const d = base.map((b, i) => point[i]! - b);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { mean, low: Number.NaN, high: Number.NaN };
  const ss = d.reduce((s, x) => s + (x - mean) * (x - mean), 0);
  const half = Z95 * Math.sqrt(ss / (n - 1) / n);
  return { mean, low: mean - half, high: mean + half };
}
