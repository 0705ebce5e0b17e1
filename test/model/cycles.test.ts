import { describe, expect, it } from "vitest";
import { MemoryTrace, MS, sleep } from "../../src/engine/index.js";
import type { ProfileName } from "../../src/model/profiles.js";
import { range, simulate } from "../../src/run/simulate.js";
import { fixedParams } from "./helpers.js";

/** N vectors active (unmasked one by one), a pause, then `then` unmasked in the given order. */
function grow(profile: ProfileName, n: number, then: number[], seed = 1) {
  let cyclesBefore = 0;
  let itsBefore: Record<string, number> = {};
  const r = simulate({
    profile,
    seed,
    until: 50 * MS,
    params: fixedParams(),
    script: function* (m) {
      yield* m.guest.enable(64);
      yield* m.guest.unmask(range(0, n));
      yield sleep(1 * MS);
      cyclesBefore = m.qemu.cycles.filter((c) => c.kind === "resize").length;
      itsBefore = {
        ...m.itsDriver.counts.byType,
        V0: m.itsDriver.counts.mapdInvalid,
        V1: m.itsDriver.counts.mapdValid,
      };
      yield* m.guest.unmask(then);
    },
  });
  const its = r.record.its;
  const delta = {
    DISCARD: its.DISCARD - itsBefore.DISCARD!,
    MAPTI: its.MAPTI - itsBefore.MAPTI!,
    SYNC: its.SYNC - itsBefore.SYNC!,
    INV: its.INV - itsBefore.INV!,
    MAPD_V0: its.mapdInvalid - itsBefore.V0!,
    MAPD_V1: its.mapdValid - itsBefore.V1!,
  };
  return { cycles: r.record.resizeCycles - cyclesBefore, delta, record: r.record };
}

describe("resize cycles (QEMU vfio_msix_vector_do_use under NORESIZE)", () => {
  for (const profile of ["legacy", "noresize"] as const) {
    for (const [n, m] of [
      [1, 4],
      [4, 9],
      [17, 49],
    ] as const) {
      it(`${profile}: unmasking ${n}..${m - 1} ascending costs ${m - n} cycles, descending one`, () => {
        expect(grow(profile, n, range(n, m)).cycles).toBe(m - n);
        expect(grow(profile, n, range(m - 1, n - 1, -1)).cycles).toBe(1);
      });
    }
  }

  for (const profile of ["dyn", "dyn-small-itt"] as const) {
    it(`${profile}: growth costs no teardown`, () => {
      expect(grow(profile, 4, range(4, 9)).cycles).toBe(0);
    });
  }

  it("the first unmask of each vector from zero is itself a cycle under NORESIZE", () => {
    const r = simulate({
      profile: "noresize",
      seed: 1,
      until: 10 * MS,
      params: fixedParams(),
      script: function* (m) {
        yield* m.guest.enable(64);
        yield* m.guest.unmask(range(0, 5));
      },
    });
    expect(r.record.resizeCycles).toBe(5);
    expect(r.record.vectorGrowths).toBe(5);
  });
});

describe("ITS commands of one cycle with N active vectors (MODEL.md section 7)", () => {
  // N = 1, a power of two, and non-powers of two.
  for (const n of [1, 2, 8, 5, 17]) {
    it(`legacy, N=${n}: N DISCARD, MAPD V=0, MAPD V=1, N+1 MAPTI, 2N+1 SYNC`, () => {
      const { cycles, delta } = grow("legacy", n, [n]);
      expect(cycles).toBe(1);
      expect(delta).toEqual({
        DISCARD: n,
        MAPTI: n + 1,
        SYNC: 2 * n + 1,
        INV: 0,
        MAPD_V0: 1,
        MAPD_V1: 1,
      });
    });
    it(`noresize, N=${n}: N DISCARD, N+1 MAPTI, 2N+1 SYNC, no MAPD`, () => {
      const { delta } = grow("noresize", n, [n]);
      expect(delta).toEqual({
        DISCARD: n,
        MAPTI: n + 1,
        SYNC: 2 * n + 1,
        INV: 0,
        MAPD_V0: 0,
        MAPD_V1: 0,
      });
    });
    it(`dyn, N=${n}: one MAPTI + SYNC`, () => {
      const { delta } = grow("dyn", n, [n]);
      expect(delta).toEqual({ DISCARD: 0, MAPTI: 1, SYNC: 1, INV: 0, MAPD_V0: 0, MAPD_V1: 0 });
    });
  }

  it("without Direct LPI, each LPI enable/disable adds INV + SYNC", () => {
    const n = 4;
    const r = simulate({
      profile: "noresize",
      seed: 1,
      until: 50 * MS,
      params: fixedParams({ its: { directLpi: false } }),
      script: function* (m) {
        yield* m.guest.enable(64);
        yield* m.guest.unmask(range(0, n));
        yield sleep(1 * MS);
        const before = { ...m.itsDriver.counts.byType };
        yield* m.guest.unmask(n);
        const after = m.itsDriver.counts.byType;
        // free_irq of N vectors disables N LPIs; request_irq of N+1 enables N+1.
        expect(after.INV - before.INV).toBe(2 * n + 1);
        expect(after.SYNC - before.SYNC).toBe(2 * n + 1 + 2 * n + 1);
      },
    });
    expect(r.record.resizeCycles).toBe(n + 1);
  });

  it("legacy sizes each new ITT from the allocation's nvec; noresize from the table size", () => {
    const ittSizes = (profile: ProfileName): number[] => {
      const trace = new MemoryTrace();
      simulate({
        profile,
        seed: 1,
        until: 20 * MS,
        params: fixedParams({ device: { tableSize: 64 } }),
        trace,
        script: function* (m) {
          yield* m.guest.enable(64);
          yield* m.guest.unmask(range(0, 6));
        },
      });
      return trace.records
        .filter((r) => r.component === "its" && r.kind === "MAPD" && r.fields.V === 1)
        .map((r) => Number(r.fields.itt));
    };
    // One MAPD V=1 per cycle, nvec = nr_vectors rounded up to a power of two, at least 2.
    expect(ittSizes("legacy")).toEqual([2, 2, 2, 4, 4, 8, 8]);
    expect(ittSizes("noresize")).toEqual([64]);
  });
});
