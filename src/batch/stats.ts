/**
 * Interval estimates for the batch summaries. Pure functions on counts and samples.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for k successes in n trials (two-sided, default 95%). */
export function wilson(k: number, n: number, z = Z95): { low: number; high: number } {
  if (n <= 0) return { low: Number.NaN, high: Number.NaN };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Exact one-sided upper confidence bound for a proportion when no event was seen in n trials
 * (Clopper-Pearson with k = 0): 1 - alpha^(1/n). For alpha = 0.05 this is about 3/n.
 */
export function zeroEventUpperBound(n: number, alpha = 0.05): number {
  if (n <= 0) return Number.NaN;
  return 1 - alpha ** (1 / n);
}

/** Nearest-rank quantile of a sample (q in [0, 1]); NaN for an empty sample. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Standard error of the mean (sample standard deviation / sqrt(n)). */
export function standardError(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - m) * (xs[i]! - m);
  return Math.sqrt(ss / (n - 1) / n);
}

/**
 * Exact two-sided McNemar test on discordant pairs: b runs where only A failed, c where only B
 * did; under H0 each discordant pair is a fair coin. Returns the p-value (1 when b = c = 0).
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space for large n.
  let logTerm = -n * Math.LN2; // log C(n,0) / 2^n
  let cdf = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    cdf += Math.exp(logTerm);
  }
  return Math.min(1, 2 * cdf);
}
