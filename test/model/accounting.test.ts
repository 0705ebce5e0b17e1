import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketOf, LatencyHistogram } from "../../src/model/accounting.js";

/** The histogram's bucket by its defining formula (8 sub-buckets per power of two). */
function reference(ns: number): number {
  if (ns < 8) return Math.max(0, Math.floor(ns));
  const e = Math.floor(Math.log2(ns));
  const sub = Math.floor((ns / 2 ** e - 1) * 8);
  return Math.min(64 * 8 - 1, e * 8 + sub);
}

describe("LatencyHistogram buckets", () => {
  it("the bit-operation path gives the formula's bucket", () => {
    const edges: number[] = [0, 1, 7, 8, 9, 15, 16, 17, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 40];
    for (let k = 3; k < 53; k++) edges.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
    for (const ns of edges) expect(bucketOf(ns), String(ns)).toBe(reference(ns));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ns) => {
        expect(bucketOf(ns)).toBe(reference(ns));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 }), (ns) => {
        expect(bucketOf(ns)).toBe(reference(ns));
      }),
      { numRuns: 20_000 },
    );
    // Not an integer (never a latency here, but the histogram takes any number).
    for (const ns of [0.5, 8.5, 1023.75, 1e9 + 0.25]) expect(bucketOf(ns)).toBe(reference(ns));
  });

  it("quantiles read the buckets", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) h.add(i * 1000);
    expect(h.count).toBe(100);
    expect(h.max).toBe(100_000);
    // p50 is 50,000 ns: its bucket [49152, 53248) has upper edge 53248.
    expect(h.quantile(0.5)).toBe(53_248);
    expect(h.quantile(1)).toBe(100_000);
  });
});
