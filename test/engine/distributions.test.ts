import { describe, expect, it } from "vitest";
import {
  formatDuration,
  MS,
  parseDistribution,
  parseDuration,
  RandomStreams,
  S,
  US,
} from "../../src/engine/index.js";

describe("durations", () => {
  it("parses units and bare integers of ns", () => {
    expect(parseDuration("2us")).toBe(2 * US);
    expect(parseDuration("1.5ms")).toBe(1.5 * MS);
    expect(parseDuration("3 s")).toBe(3 * S);
    expect(parseDuration("250ns")).toBe(250);
    expect(parseDuration("250")).toBe(250);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration("1.1ms")).toBe(1_100_000);
  });

  it("rejects negative, fractional-ns and unknown forms", () => {
    expect(() => parseDuration(-1)).toThrow(/non-negative/);
    expect(() => parseDuration("-1us")).toThrow(/not understood/);
    expect(() => parseDuration("1.5ns")).toThrow(/whole number of ns/);
    expect(() => parseDuration("5 minutes")).toThrow(/not understood/);
    expect(() => parseDuration(1.5)).toThrow(/whole number/);
    expect(() => parseDuration(true as never)).toThrow(/duration/);
  });

  it("formats", () => {
    expect(formatDuration(1_204_512)).toBe("1.204512 ms");
    expect(formatDuration(999)).toBe("999 ns");
    expect(formatDuration(2 * S)).toBe("2 s");
  });
});

function sampleMean(spec: unknown, n = 40_000, seed = 11): { mean: number; sd: number } {
  const d = parseDistribution(spec);
  const rng = new RandomStreams(seed).get("dist");
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = d.sample(rng);
    expect(Number.isInteger(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt((sq / n - mean * mean) / n) };
}

describe("distributions", () => {
  const cases: Array<[string, unknown, number]> = [
    ["fixed string", "2us", 2000],
    ["fixed number", 1500, 1500],
    ["fixed object", { fixed: "3us" }, 3000],
    ["uniform tuple", { uniform: ["1us", "3us"] }, 2000],
    ["uniform object", { uniform: { min: "1us", max: "5us" } }, 3000],
    ["exponential", { exponential: { mean: "5us" } }, 5000],
    ["normal", { normal: { mean: "10us", sd: "1us" } }, 10_000],
    ["lognormal", { lognormal: { median: "4us", sigma: 0.5 } }, 4000 * Math.exp(0.125)],
    ["empirical list", { empirical: ["1us", "2us", "6us"] }, 3000],
    ["empirical weighted", { empirical: { values: ["1us", "9us"], weights: [3, 1] } }, 3000],
  ];
  for (const [name, spec, expected] of cases) {
    it(`${name}: sample mean within 4 standard errors of ${expected}`, () => {
      const d = parseDistribution(spec);
      expect(d.mean).toBeCloseTo(expected, 6);
      const { mean, sd } = sampleMean(spec);
      // Rounding to whole ns moves the mean by at most 0.5 ns.
      expect(Math.abs(mean - expected)).toBeLessThanOrEqual(4 * sd + 0.5);
      expect(d.describe().length).toBeGreaterThan(0);
    });
  }

  const bad: Array<[string, unknown, RegExp]> = [
    ["unknown kind", { gamma: { k: 2 } }, /latency: not a distribution \(keys: gamma\)/],
    ["negative fixed", -5, /latency: .*non-negative/],
    ["bad unit", "3 minutes", /latency: .*not understood/],
    ["uniform reversed", { uniform: ["3us", "1us"] }, /latency\.uniform: min \(3 us\) is greater/],
    [
      "exponential zero mean",
      { exponential: { mean: 0 } },
      /latency\.exponential\.mean: must be > 0/,
    ],
    ["exponential missing mean", { exponential: {} }, /latency\.exponential\.mean/],
    ["normal extra key", { normal: { mean: "1us", sd: "1us", skew: 1 } }, /latency\.normal/],
    ["lognormal negative sigma", { lognormal: { median: "1us", sigma: -1 } }, /sigma/],
    ["empirical empty", { empirical: [] }, /latency/],
    [
      "empirical weight count",
      { empirical: { values: ["1us", "2us"], weights: [1] } },
      /latency\.empirical\.weights: has 1 entries, values has 2/,
    ],
    [
      "empirical zero weights",
      { empirical: { values: ["1us"], weights: [0] } },
      /must not all be 0/,
    ],
    ["null", null, /latency/],
    ["two kinds", { fixed: "1us", uniform: ["1us", "2us"] }, /latency/],
  ];
  for (const [name, spec, re] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => parseDistribution(spec, "latency")).toThrow(re);
    });
  }
});
