import { describe, expect, it } from "vitest";
import {
  binomCdf,
  clopperPearson,
  pairedEffect,
  pairedFromCounts,
} from "../../src/sensitivity/paired.js";

describe("paired effect", () => {
  it("Clopper-Pearson matches closed forms at k = 0 and k = n", () => {
    expect(clopperPearson(0, 10).high).toBeCloseTo(1 - 0.025 ** (1 / 10), 6);
    expect(clopperPearson(10, 10).low).toBeCloseTo(0.025 ** (1 / 10), 6);
    // A textbook value: 3 of 10, 95%: [0.0667, 0.6525].
    const ci = clopperPearson(3, 10);
    expect(ci.low).toBeCloseTo(0.0667, 3);
    expect(ci.high).toBeCloseTo(0.6525, 3);
  });

  it("binomial cdf", () => {
    expect(binomCdf(0, 4, 0.5)).toBeCloseTo(1 / 16, 12);
    expect(binomCdf(2, 4, 0.5)).toBeCloseTo(11 / 16, 12);
  });

  it("is the difference of rates, from discordant pairs only", () => {
    const base: (0 | 1)[] = [0, 0, 1, 1, 0, 1, 0, 0, 0, 0];
    const pt: (0 | 1)[] = [1, 0, 1, 0, 1, 1, 1, 0, 0, 0];
    const e = pairedEffect(base, pt);
    expect(e.up).toBe(3);
    expect(e.down).toBe(1);
    expect(e.effect).toBeCloseTo(0.2, 12);
    expect(e.method).toBe("exact");
    expect(e.low).toBeLessThan(e.effect);
    expect(e.high).toBeGreaterThan(e.effect);
  });

  it("never collapses to a point when nothing changed", () => {
    const e = pairedFromCounts(100, 0, 0);
    expect(e.effect).toBe(0);
    expect(e.low).toBeLessThan(0);
    expect(e.high).toBeGreaterThan(0);
    expect(e.high).toBeCloseTo(1 - 0.0125 ** (1 / 100), 6);
  });

  it("uses the normal interval with many discordant pairs", () => {
    const e = pairedFromCounts(1000, 300, 100);
    expect(e.method).toBe("normal");
    expect(e.effect).toBeCloseTo(0.2, 12);
    // sd of d: sqrt(0.4 - 0.04) = 0.6; half-width 1.96 * 0.6 / sqrt(1000) ~ 0.0372.
    expect(e.high - e.effect).toBeCloseTo(0.0372, 3);
  });

  it("does not collapse when every run changed the same way", () => {
    const e = pairedFromCounts(20, 20, 0);
    expect(e.effect).toBe(1);
    expect(e.method).toBe("exact");
    expect(e.low).toBeLessThan(1);
    // Clopper-Pearson at 97.5% each: 20 of 20 up, 0 of 20 down.
    expect(e.low).toBeCloseTo(2 * 0.0125 ** (1 / 20) - 1, 6);
    expect(e.high).toBe(1);
  });
});
