import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MS, sleep } from "../../src/engine/index.js";
import { range, simulate } from "../../src/run/simulate.js";

describe("dyn: adding vectors leaves the active ones alone", () => {
  it("growing from N to M opens no drop window on the N active vectors, under any traffic", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 1_000, max: 200_000 }), { minLength: 12, maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (n, extra, rates, ascending, seed) => {
          const m = n + extra;
          const r = simulate({
            profile: "dyn",
            seed,
            until: 30 * MS,
            recordInterrupts: true,
            traffic: range(0, n).map((v) => ({
              vectors: v,
              start: "2ms",
              poisson: { rate: rates[v]! },
            })),
            script: function* (mach) {
              yield* mach.guest.enable(64);
              yield* mach.guest.unmask(range(0, n));
              yield sleep(1 * MS);
              yield* mach.guest.unmask(ascending ? range(n, m) : range(m - 1, n - 1, -1));
            },
          });
          expect(r.windows.filter((w) => w.vector < n)).toEqual([]);
          expect(r.record.irq.dropped).toBe(0);
          expect(r.record.resizeCycles).toBe(0);
          expect(r.record.irq.delivered).toBeGreaterThan(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("dyn-small-itt: the first allocation's ITT caps growth", () => {
  it("an allocation beyond the ITT fails (-ENOSPC): that vector never delivers, earlier ones do", () => {
    const r = simulate({
      profile: "dyn-small-itt",
      seed: 3,
      until: 40 * MS,
      recordInterrupts: true,
      traffic: [{ vectors: "0-3", start: "5ms", poisson: { rate: 20_000 } }],
      script: function* (m) {
        yield* m.guest.enable(64);
        // The no-vector enable allocates one vector: an ITT for nvec = 1 (one EventID).
        yield* m.guest.unmask(range(0, 4));
      },
    });
    const byVector = new Map(r.record.vectors.map((v) => [v.vector, v]));
    expect(byVector.get(0)!.delivered).toBeGreaterThan(0);
    expect(byVector.get(0)!.dropped).toBe(0);
    for (const v of [1, 2, 3]) {
      expect(byVector.get(v)!.delivered).toBe(0);
      expect(byVector.get(v)!.generated).toBeGreaterThan(0);
    }
    expect(r.windows.filter((w) => w.vector === 0)).toEqual([]);
    expect(r.record.its.MAPTI).toBe(1);
  });
});
