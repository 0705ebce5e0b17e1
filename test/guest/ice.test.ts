import { describe, expect, it } from "vitest";
import { runRow } from "../../src/analysis/run-row.js";
import { MemoryTrace, S } from "../../src/engine/index.js";
import { iceDescription } from "../../src/guest/ice/description.js";
import { IceDriver } from "../../src/guest/ice/driver.js";
import { type IceParamsInput, IceParamsSchema } from "../../src/guest/ice/params.js";
import { Machine } from "../../src/model/machine.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario } from "../../src/scenario/runner.js";
import { type ScenarioInput, ScenarioSchema } from "../../src/scenario/schema.js";
import { type GuestRun, records, runGuest } from "./helpers.js";

/** A small PF (4 vCPUs: LAN 1..4, FDIR 5, irdma 6..10) without packets: fast runs. */
function bringUp(driver: Partial<IceParamsInput> = {}, extra: ScenarioInput["timeline"] = []) {
  return {
    duration: "3s",
    driver: { name: "ice" as const, cpus: 4, ...driver },
    timeline: [
      { at: 0, action: "load" as const },
      { at: "100ms", action: "up" as const },
      { at: "1s", action: "rdma-load" as const },
      ...(extra ?? []),
    ],
  } satisfies ScenarioInput;
}

/** vfio_msix_vector_do_use's nr, in order, for trace records in [from, to). */
function uses(run: GuestRun, from = 0, to = Number.POSITIVE_INFINITY): number[] {
  return records(run, "qemu", "vfio_msix_vector_do_use")
    .filter((r) => r.time >= from && r.time < to)
    .map((r) => Number(r.fields.nr));
}

/** Host teardown cycles started in [from, to). */
function cycles(run: GuestRun, from = 0, to = Number.POSITIVE_INFINITY): number {
  return records(run, "qemu", "resize cycle start").filter((r) => r.time >= from && r.time < to)
    .length;
}

/** Unmasks that set a new maximum index: the resize cycles QEMU makes under NORESIZE. */
function newMaxima(seq: readonly number[], start = -1): number {
  let max = start;
  let n = 0;
  for (const v of seq) {
    if (v > max) {
      n++;
      max = v;
    }
  }
  return n;
}

const LOAD: [number, number] = [0, 0.1 * S];
const UP: [number, number] = [0.1 * S, 1 * S];
const RDMA: [number, number] = [1 * S, 3 * S];

describe("ice: the order of vector use (vfio_msix_vector_do_use) follows the source", () => {
  it("probe: OICR 0 then the Flow Director; ifup: LAN 1..4 ascending; irdma: CEQ 0, CEQ 1.., the AEQ last", () => {
    const run = runGuest(bringUp(), "noresize");
    expect(uses(run, ...LOAD)).toEqual([0, 5]); // ice_req_irq_msix_misc, ice_init_fdir
    expect(uses(run, ...UP)).toEqual([1, 2, 3, 4]); // ice_vsi_req_irq_msix
    // icrdma_init_interrupts took 6..10: irdma_setup_ceq_0 (7), irdma_setup_ceqs (8..10),
    // irdma_setup_aeq (6)
    expect(uses(run, ...RDMA)).toEqual([7, 8, 9, 10, 6]);
  });

  it("without Flow Director the LAN vectors are the new maxima at ifup and irdma starts at 5", () => {
    const run = runGuest(bringUp({ flowDirector: false }), "noresize");
    expect(uses(run, ...LOAD)).toEqual([0]);
    expect(uses(run, ...UP)).toEqual([1, 2, 3, 4]);
    expect(uses(run, ...RDMA)).toEqual([6, 7, 8, 9, 5]);
  });

  it("irdma bound at probe: its vectors come right after the Flow Director, inside ice_probe", () => {
    const run = runGuest(bringUp({ rdmaAtProbe: true }), "noresize");
    expect(uses(run, ...LOAD)).toEqual([0, 5, 7, 8, 9, 10, 6]);
    expect(uses(run, ...UP)).toEqual([1, 2, 3, 4]);
    expect(uses(run, ...RDMA)).toEqual([]); // already bound: rdma-load does nothing
  });

  it("msix_shared (irdma gets no more vectors than vCPUs): AEQ and CEQ 0 share entry 0, requested first", () => {
    const run = runGuest(bringUp({ rdmaVectors: 4 }), "noresize");
    expect(uses(run, ...RDMA)).toEqual([6, 7, 8, 9]);
  });

  it("resize cycles under legacy and noresize are the new maxima of that order; none under dyn", () => {
    for (const driver of [{}, { flowDirector: false }, { rdmaAtProbe: true }]) {
      const seq = runGuest(bringUp(driver), "dyn");
      const expected = [LOAD, UP, RDMA].map(([a, b]) =>
        newMaxima(uses(seq, a, b), Math.max(-1, ...uses(seq, 0, a))),
      );
      for (const profile of ["legacy", "noresize"] as const) {
        const run = runGuest(bringUp(driver), profile);
        const got = [LOAD, UP, RDMA].map(([a, b]) => cycles(run, a, b));
        expect(got, `${profile} ${JSON.stringify(driver)}`).toEqual(expected);
      }
      expect(cycles(seq)).toBe(0);
    }
    // The default: 2 at probe (0, FDIR), none at ifup (below FDIR), 4 for irdma (7..10).
    expect(cycles(runGuest(bringUp(), "noresize"))).toBe(2 + 0 + 4);
  });
});

describe("ice-irdma-load", () => {
  const small = ["cpus=8", "duration=8s"];

  it("dyn opens no drop window on any active vector and loses nothing", () => {
    for (const seed of [1, 2]) {
      const r = runGuest({ preset: "ice-irdma-load", params: small }, "dyn", seed);
      expect(r.windows).toHaveLength(0);
      const row = runRow({ run: 0, ...r });
      expect(row.irq_dropped).toBe(0);
      expect(row.resize_cycles).toBe(0);
      expect(row.outcome).toBe("ok");
    }
  });

  it("noresize: cpus new maxima while the OICR, LAN and FDIR vectors are live; TX queues revived by the hang check", () => {
    const r = runGuest({ preset: "ice-irdma-load", params: small }, "noresize", 1);
    const row = runRow({ run: 0, ...r });
    expect(row.resize_cycles).toBe(2 + 8);
    expect(Number(row.irq_dropped)).toBeGreaterThan(0);
    expect(records(r, "ice", "ice_trigger_sw_intr").length).toBeGreaterThan(0);
    expect(row.tx_timeouts).toBe(0);
    expect(row.port_resets).toBe(0);
    expect(row.queues_stalled_end).toBe(0);
    expect(row.outcome).toBe("ok");
  });

  it("RX-only: a queue whose interrupt is lost stays stalled (the hang check needs pending TX)", () => {
    const r = runGuest(
      { preset: "ice-irdma-load", params: [...small, "tx_pps=0", "rx_pps=4000"] },
      "legacy",
      1,
    );
    const row = runRow({ run: 0, ...r });
    expect(Number(row.irq_dropped)).toBeGreaterThan(0);
    expect(records(r, "ice", "ice_trigger_sw_intr")).toHaveLength(0);
    expect(Number(row.queues_stalled_end)).toBeGreaterThan(0);
    expect(row.outcome).toBe("queue_stalled");
  });
});

describe("ice: admin queue events need an OICR interrupt", () => {
  /** Link comes up at 3 s; irdma loads at 1 s while OICR causes fire at 2000/s. */
  const scenario = (refire: boolean): ScenarioInput => ({
    duration: "6s",
    driver: {
      name: "ice",
      cpus: 8,
      linkUpDelay: "3s",
      oicrEventRate: 2000,
      oicrCauseRefire: refire,
    },
    timeline: [
      { at: 0, action: "load" },
      { at: "100ms", action: "up" },
      { at: "1s", action: "rdma-load" },
    ],
  });

  it("a lost OICR message leaves vector 0 disabled: the link event is never read (link_failed); refire reads it", () => {
    const stuck = runGuest(scenario(false), "legacy", 1, true);
    expect(stuck.record.drops!.some((d) => d.vector === 0)).toBe(true);
    const row = runRow({ run: 0, ...stuck });
    expect(row.misc_stuck_end).toBe(1);
    expect(records(stuck, "ice", "firmware link up")).toHaveLength(1);
    expect(records(stuck, "ice", "ice_link_event")).toHaveLength(0);
    expect(row.outcome).toBe("link_failed");
    const ok = runRow({ run: 0, ...runGuest(scenario(true), "legacy", 1) });
    expect(ok.outcome).toBe("ok");
    expect(Number(ok.link_up_ns)).toBeGreaterThan(3 * S);
    expect(runRow({ run: 0, ...runGuest(scenario(false), "dyn", 1) }).outcome).toBe("ok");
  });
});

describe("ice: channels (ice_set_channels)", () => {
  const grow = (profile: "noresize" | "dyn", rdma = false) =>
    runGuest(
      {
        preset: "channels-grow",
        params: ["driver=ice", "channels_from=4", "channels_to=8", `rdma=${rdma}`, "duration=6s"],
      },
      profile,
    );

  it("channels-grow --param driver=ice 4 -> 8: 4 cycles under noresize, none under dyn", () => {
    const r = grow("noresize");
    expect(cycles(r, 4 * S)).toBe(8 - 4);
    // LAN 1..4 reused, the new channels above the Flow Director vector (5)
    expect(uses(r, 4 * S)).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
    expect(cycles(grow("dyn"))).toBe(0);
  });

  it("refused with -EBUSY while irdma is bound: logged, nothing changes", () => {
    const r = grow("noresize", true);
    expect(
      records(r, "ice", "ice_set_channels: Cannot change channels when RDMA is active"),
    ).toHaveLength(1);
    expect(uses(r, 4 * S)).toEqual([]);
    expect(cycles(r, 4 * S)).toBe(0);
  });
});

describe("ice: resets never re-allocate MSI-X", () => {
  it("a guest FLR: irdma unplugged and re-probed, LAN reopened, no new resize cycle", () => {
    const run = runGuest(bringUp({}, [{ at: "2s", action: "guest-flr" }]), "noresize");
    expect(cycles(run, 2 * S)).toBe(0);
    expect(records(run, "ice", "icrdma_probe")).toHaveLength(2);
    expect(uses(run, 2 * S)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 6]);
    const row = runRow({ run: 0, ...run });
    expect(row.outcome).toBe("ok");
    expect(row.reset_attempts).toBe(1);
  });

  it("a QEMU reset: the guest probes again and the range grows again from zero", () => {
    const run = runGuest(
      {
        ...bringUp(),
        duration: "5s",
        timeline: [
          ...bringUp().timeline,
          { at: "2s", action: "qemu-reset" },
          { at: "3s", action: "load" },
          { at: "3100ms", action: "up" },
          { at: "4s", action: "rdma-load" },
        ],
      },
      "noresize",
    );
    expect(cycles(run, 3 * S)).toBe(cycles(run, 0, 2 * S));
  });

  it("ice_tx_timeout escalates PFR -> CORER (rebuilt after its GRST interrupt); sooner than watchdog_timeo is ignored", () => {
    const parsed = ScenarioSchema.parse(bringUp());
    const trace = new MemoryTrace();
    const m = new Machine({
      profile: "dyn",
      seed: 1,
      params: { device: { tableSize: 64 } },
      until: 30 * S,
      trace,
    });
    const d = new IceDriver(m, IceParamsSchema.parse(parsed.driver), null);
    m.spawn(
      (function* () {
        yield d.load();
        yield d.up();
        yield d.rdmaLoad();
        yield 5 * S;
        d.pf.txTimeout(0); // level 1: PFR
        yield 6 * S;
        d.pf.txTimeout(0); // 6 s later (< 20 s): level 2, CORER
        yield 2 * S;
        d.pf.txTimeout(0); // 2 s later (< watchdog_timeo): ignored
      })(),
    );
    m.sim.run({ until: 30 * S });
    const resets = trace.records.filter((r) => r.kind === "ice_do_reset").map((r) => r.fields.type);
    expect(resets).toEqual(["PFR", "CORER"]);
    const rebuilds = trace.records
      .filter((r) => r.kind === "ice_rebuild")
      .map((r) => r.fields.type);
    expect(rebuilds).toEqual(["PFR", "CORER"]);
    expect(trace.records.some((r) => r.kind === "ice_misc_intr: reset warning")).toBe(true);
    const o = d.outcome(false);
    expect(o.portResets).toBe(2);
    expect(o.outcome).toBe("ok"); // the link came back after the CORER's retraining
    expect(d.pf.irdma.registered).toBe(true);
  });
});

describe("ice: bad descriptions are refused naming the field", () => {
  const prep = (s: ScenarioInput) => () => prepareScenario(ScenarioSchema.parse(s));

  it("a layout beyond the MSI-X table", () => {
    expect(prep({ ...bringUp(), params: { device: { tableSize: 8 } } })).toThrow(
      /params\.device\.tableSize: 8 is smaller than the ice driver's 12 vectors/,
    );
    expect(prep({ ...bringUp({ rdmaBase: 12 }) })).toThrow(/driver\.rdmaBase: .* beyond/);
  });

  it("overlapping groups: the RDMA block over the LAN or Flow Director vectors; more LAN queues than CPUs", () => {
    expect(prep(bringUp({ rdmaBase: 3 }))).toThrow(/driver\.rdmaBase: 3 overlaps the misc and LAN/);
    expect(prep(bringUp({ rdmaBase: 5 }))).toThrow(/driver\.rdmaBase: .* Flow Director vector 5/);
    expect(prep(bringUp({ lanQueues: 6 }))).toThrow(/driver\.lanQueues: 6 is more than cpus/);
  });

  it("an action the design lacks is refused at the timeline entry", () => {
    const d = iceDescription as { actions: typeof iceDescription.actions };
    const saved = d.actions;
    d.actions = saved.filter((a) => a !== "channels");
    try {
      expect(prep({ ...bringUp(), timeline: [{ at: 0, action: "channels", count: 2 }] })).toThrow(
        /timeline\[0\]\.action: the ice driver has no "channels"/,
      );
    } finally {
      d.actions = saved;
    }
  });

  it("an unknown field and a missing name are refused by the schema", () => {
    expect(() => resolveScenario({ preset: "ice-irdma-load", sets: ["driver.queues=3"] })).toThrow(
      /driver/,
    );
  });
});
