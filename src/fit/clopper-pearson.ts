/**
 * The exact (Clopper-Pearson) binomial interval, from the regularized incomplete beta function.
 * `fit` compares an observation of a few failures in a few hundred trials with simulated rates:
 * at such counts the normal approximations are poor and Wilson's interval is not the "exact" one
 * users quote, so the observed interval is computed exactly.
 */

/** ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), about 15 significant digits. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma: x must be > 0, got ${x}`);
  if (x < 0.5) {
    // Reflection keeps the series in the range where it is accurate.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  }
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/**
 * The continued fraction of I_x(a, b) (evaluated with the modified Lentz method), which converges
 * quickly for x < (a + 1) / (a + b + 2); the caller uses the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)
 * otherwise.
 */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const eps = 1e-16;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    // Even step.
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < eps) return h;
  }
  // Not reached for the a, b of binomial counts below 10^9; a wrong number would be worse.
  throw new Error(`incomplete beta: no convergence for x=${x}, a=${a}, b=${b}`);
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedBeta: a, b must be > 0 (${a}, ${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(X >= k) for X ~ Binomial(n, p): I_p(k, n - k + 1). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return regularizedBeta(p, k, n - k + 1);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return 1 - regularizedBeta(p, k + 1, n - k);
}

/**
 * The p in [0, 1] where the increasing function f crosses `target`, by bisection: slower than
 * Newton but it cannot diverge, and 200 halvings reach the spacing of doubles.
 */
function bisectIncreasing(f: (p: number) => number, target: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Checks a count k of n (whole numbers, 0 <= k <= n, n >= 1); `what` names the field in the
 * message.
 */
export function checkCount(k: number, n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what}: N must be a whole number >= 1`);
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`${what}: K must be a whole number from 0 to N`);
  }
}

/**
 * The two-sided Clopper-Pearson interval for k successes in n trials at level 1 - alpha (95% by
 * default): low solves P(X >= k | low) = alpha/2, high solves P(X <= k | high) = alpha/2; low = 0
 * when k = 0 and high = 1 when k = n. It covers the true p with probability >= 1 - alpha.
 */
export function clopperPearson(k: number, n: number, alpha = 0.05): Interval {
  checkCount(k, n, "clopperPearson");
  const half = alpha / 2;
  const low = k === 0 ? 0 : bisectIncreasing((p) => binomialUpperTail(k, n, p), half);
  // P(X <= k | p) decreases in p: bisect 1 - it, which increases.
  const high = k === n ? 1 : bisectIncreasing((p) => 1 - binomialCdf(k, n, p), 1 - half);
  return { low, high };
}

/** Whether two closed intervals share a point. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.low <= b.high && b.low <= a.high;
}
