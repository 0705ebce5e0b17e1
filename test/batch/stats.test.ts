import { describe, expect, it } from "vitest";
import {
  mcnemarExact,
  mean,
  quantile,
  standardError,
  wilson,
  zeroEventUpperBound,
} from "../../src/batch/stats.js";

describe("Wilson interval against published values", () => {
  // Newcombe (1998), Table I: Wilson score intervals.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])("%d of %d -> (%f, %f)", (k, n, low, high) => {
    const w = wilson(k, n);
    expect(w.low).toBeCloseTo(low, 4);
    expect(w.high).toBeCloseTo(high, 4);
  });

  it("all successes and degenerate n", () => {
    const w = wilson(10, 10);
    expect(w.high).toBeCloseTo(1, 12);
    expect(w.low).toBeCloseTo(0.7225, 4);
    expect(Number.isNaN(wilson(0, 0).low)).toBe(true);
  });
});

describe("exact zero-event upper bound (Clopper-Pearson, one-sided 95%)", () => {
  it.each([
    [1, 0.95],
    [10, 0.2589],
    [100, 0.0295],
    [1000, 0.002991],
  ])("n = %d -> %f", (n, ub) => {
    expect(zeroEventUpperBound(n)).toBeCloseTo(ub, 4);
  });
  it("is about 3/n for large n (rule of three)", () => {
    expect(zeroEventUpperBound(10_000) * 10_000).toBeCloseTo(2.9953, 3);
  });
});

describe("other statistics", () => {
  it("nearest-rank quantiles", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.9)).toBe(9);
    expect(quantile(xs, 0.99)).toBe(10);
    expect(quantile(xs, 1)).toBe(10);
    expect(quantile([7], 0.5)).toBe(7);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
  it("mean and standard error", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(standardError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3 / 4), 12);
  });
  it("exact McNemar", () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    // b = 0, c = 6: 2 * (1/2)^6
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 12);
    expect(mcnemarExact(5, 5)).toBe(1);
    // b = 2, c = 10: 2 * P(X <= 2 | n = 12) = 2 * (1 + 12 + 66) / 4096
    expect(mcnemarExact(2, 10)).toBeCloseTo((2 * 79) / 4096, 12);
    expect(mcnemarExact(3000, 3100)).toBeGreaterThan(0.1);
  });
});
