import { describe, expect, it } from "vitest";
import {
  binomialCdf,
  binomialUpperTail,
  clopperPearson,
  lnGamma,
  overlaps,
  regularizedBeta,
} from "../../src/fit/clopper-pearson.js";

/** P(X <= k) by summing the pmf in log space: an independent check of the beta route. */
function cdfBySum(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i <= k; i++) {
    const lnC = lnFact(n) - lnFact(i) - lnFact(n - i);
    s += Math.exp(lnC + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return s;
}
function lnFact(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

describe("lnGamma", () => {
  it("matches factorials and Γ(1/2) = √π", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(101)).toBeCloseTo(lnFact(100), 9);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
  });
});

describe("regularizedBeta", () => {
  it("matches the closed forms", () => {
    for (const x of [0.01, 0.3, 0.5, 0.77, 0.999]) {
      expect(regularizedBeta(x, 1, 1)).toBeCloseTo(x, 13);
      expect(regularizedBeta(x, 3, 1)).toBeCloseTo(x ** 3, 13);
      expect(regularizedBeta(x, 1, 4)).toBeCloseTo(1 - (1 - x) ** 4, 13);
    }
    expect(regularizedBeta(0.5, 7, 7)).toBeCloseTo(0.5, 13);
    expect(regularizedBeta(0.5, 250, 250)).toBeCloseTo(0.5, 12);
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
  });

  it("gives the binomial tails of a direct sum", () => {
    for (const [k, n, p] of [
      [3, 100, 0.03],
      [0, 20, 0.2],
      [17, 40, 0.5],
      [190, 200, 0.97],
      [2, 1000, 0.001],
    ] as const) {
      expect(binomialCdf(k, n, p)).toBeCloseTo(cdfBySum(k, n, p), 12);
      expect(binomialUpperTail(k + 1, n, p)).toBeCloseTo(1 - cdfBySum(k, n, p), 12);
    }
  });
});

describe("clopperPearson", () => {
  // Reference values: R's binom.test(k, n)$conf.int (exact Clopper-Pearson, 95%).
  const known: Array<[number, number, number, number]> = [
    [3, 100, 0.006229972, 0.085176053],
    [5, 10, 0.187086028, 0.812913972],
    [0, 10, 0, 0.3084971078],
    [10, 10, 0.6915028922, 1],
    [1, 1, 0.025, 1],
    [0, 1, 0, 0.975],
  ];
  for (const [k, n, low, high] of known) {
    it(`${k}/${n} -> [${low}, ${high}]`, () => {
      const ci = clopperPearson(k, n);
      expect(ci.low).toBeCloseTo(low, 8);
      expect(ci.high).toBeCloseTo(high, 8);
    });
  }

  it("k = 0 and k = n have the closed forms 1 - (alpha/2)^(1/n) and (alpha/2)^(1/n)", () => {
    for (const n of [1, 7, 100, 5000]) {
      expect(clopperPearson(0, n).high).toBeCloseTo(1 - 0.025 ** (1 / n), 12);
      expect(clopperPearson(n, n).low).toBeCloseTo(0.025 ** (1 / n), 12);
    }
  });

  it("its bounds solve the tail equations (checked by direct summation)", () => {
    for (const [k, n] of [
      [3, 100],
      [1, 50],
      [37, 200],
      [199, 200],
    ] as const) {
      const ci = clopperPearson(k, n);
      expect(1 - cdfBySum(k - 1, n, ci.low)).toBeCloseTo(0.025, 10);
      expect(cdfBySum(k, n, ci.high)).toBeCloseTo(0.025, 10);
      expect(ci.low).toBeLessThan(k / n);
      expect(ci.high).toBeGreaterThan(k / n);
    }
  });

  it("is wider at 99% than at 95%", () => {
    const a = clopperPearson(3, 100, 0.01);
    const b = clopperPearson(3, 100);
    expect(a.low).toBeLessThan(b.low);
    expect(a.high).toBeGreaterThan(b.high);
  });

  it("refuses counts that are not k of n", () => {
    expect(() => clopperPearson(4, 3)).toThrow(/K must be/);
    expect(() => clopperPearson(0, 0)).toThrow(/N must be/);
    expect(() => clopperPearson(1.5, 3)).toThrow(/K must be/);
  });

  it("overlaps: closed intervals sharing a point", () => {
    expect(overlaps({ low: 0, high: 0.1 }, { low: 0.1, high: 0.2 })).toBe(true);
    expect(overlaps({ low: 0, high: 0.1 }, { low: 0.11, high: 0.2 })).toBe(false);
  });
});
