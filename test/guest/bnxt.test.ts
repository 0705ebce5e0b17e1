import { describe, expect, it } from "vitest";
import { runRow } from "../../src/analysis/run-row.js";
import type { ProfileName } from "../../src/model/profiles.js";
import { InputError, parseWith } from "../../src/scenario/errors.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario } from "../../src/scenario/runner.js";
import { type ScenarioInput, ScenarioSchema } from "../../src/scenario/schema.js";
import { type GuestRun, records, runGuest } from "./helpers.js";

const S = 1e9;
const R = 9; // default roceVectors: CREQ + 8 NQs
const C = 4; // default l2Rings
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** bnxt-re-load without RDMA traffic, short enough for order checks. */
const reLoad = (params: string[] = []) => ({
  preset: "bnxt-re-load",
  params: ["duration=6s", "rdma_cq_rate=0", "rdma_cmd_rate=0", ...params],
});

/** The vectors QEMU's vfio_msix_vector_do_use saw, in order (optionally from a time on). */
function doUse(run: GuestRun, from = 0): number[] {
  return records(run, "qemu", "vfio_msix_vector_do_use")
    .filter((r) => r.time >= from)
    .map((r) => Number(r.fields.nr));
}

/** Resize cycles the order implies: every use above the highest so far (reset by an MSI-X disable). */
function newMaxima(run: GuestRun): number {
  let max = -1;
  let n = 0;
  const marks = run.trace.filter(
    (r) =>
      r.component === "qemu" &&
      (r.kind === "vfio_msix_vector_do_use" || r.kind === "vfio_msix_disable"),
  );
  for (const r of marks) {
    if (r.kind === "vfio_msix_disable") {
      max = -1;
      continue;
    }
    const nr = Number(r.fields.nr);
    if (nr > max) {
      n++;
      max = nr;
    }
  }
  return n;
}

const row = (r: GuestRun) => runRow({ run: 0, ...r });

describe("bnxt: the order of vector unmasks follows the source", () => {
  it("probe unmasks nothing; ifup R..R+C-1 in ring order (bnxt_request_irq); bnxt_re then CREQ 0 and NQs 1..R-1 (bnxt_re_dev_init)", () => {
    const r = runGuest(reLoad(), "noresize");
    const up = records(r, "bnxt", "bnxt_request_irq")[0]!.time;
    expect(records(r, "qemu", "vfio_msix_vector_do_use")[0]!.time).toBeGreaterThanOrEqual(up);
    expect(doUse(r)).toEqual([...range(R, C), 0, ...range(1, R - 1)]);
    expect(doUse(r, 4 * S)).toEqual(range(0, R));
  });

  it("rdma-first (bnxt_re bound at boot): CREQ and NQs from 0, then the L2 rings above them at ifup", () => {
    const r = runGuest(reLoad(["order=rdma-first"]), "noresize");
    expect(doUse(r)).toEqual([...range(0, R), ...range(R, C)]);
    expect(doUse(r, 4 * S)).toEqual(range(R, C));
  });

  it("layout=top (kernels <= ~v6.2): L2 rings from 0, the RoCE block above them at bnxt_re load", () => {
    const r = runGuest(reLoad(["layout=top"]), "noresize");
    expect(doUse(r)).toEqual([...range(0, C), ...range(C, R)]);
  });
});

describe("bnxt: resize cycles follow from that order", () => {
  const cases: Array<[string, string[], number]> = [
    ["up-first: only ifup's C vectors are new maxima", [], C],
    ["rdma-first: all R + C", ["order=rdma-first"], R + C],
    ["layout=top, up-first: C at ifup, R at bnxt_re load", ["layout=top"], C + R],
  ];
  for (const profile of ["legacy", "noresize"] as const) {
    for (const [name, params, cycles] of cases) {
      it(`${profile}, ${name}`, () => {
        const r = runGuest(reLoad(params), profile);
        expect(row(r).resize_cycles).toBe(cycles);
        expect(newMaxima(r)).toBe(cycles);
      });
    }
  }

  it("ethtool -L 4 -> 8 without dynamic MSI-X in the guest: MSI-X freed, the whole range grows again (RoCE first)", () => {
    const r = runGuest(
      { preset: "channels-grow", params: ["driver=bnxt", "rdma=true", "duration=6s"] },
      "noresize",
    );
    expect(doUse(r, 4 * S)).toEqual([...range(0, R), ...range(R, 8)]);
    // ifup 4, bnxt_re load 0 (below the maximum), ethtool -L R + 8.
    expect(row(r).resize_cycles).toBe(4 + 0 + R + 8);
    expect(newMaxima(r)).toBe(4 + R + 8);
  });
});

describe("bnxt: channels-grow (ethtool -L combined N -> M)", () => {
  const grow = (profile: ProfileName, extra: string[] = [], sets: string[] = []) =>
    row(
      runGuest(
        {
          preset: "channels-grow",
          params: ["driver=bnxt", "channels_from=3", "channels_to=7", "duration=6s", ...extra],
          sets,
        },
        profile,
      ),
    );

  it("noresize: N at ifup, then all M again (bnxt_clear_int_mode + bnxt_init_int_mode)", () => {
    expect(grow("noresize").resize_cycles).toBe(3 + 7);
    expect(grow("legacy").resize_cycles).toBe(3 + 7);
  });

  it("a guest with dynamic MSI-X (bnxt_change_msix): only the M - N new vectors", () => {
    expect(grow("noresize", [], ["driver.guestAllocDyn=true"]).resize_cycles).toBe(3 + 4);
    expect(grow("noresize", ["rdma=true"], ["driver.guestAllocDyn=true"]).resize_cycles).toBe(
      3 + 4,
    );
  });

  it("dyn: no cycle, no drop", () => {
    for (const extra of [[], ["rdma=true"]]) {
      const r = grow("dyn", extra);
      expect(r.resize_cycles).toBe(0);
      expect(r.irq_dropped).toBe(0);
    }
  });

  it("with RoCE traffic, the re-allocation loses NQ interrupts: that NQ stays silent (no poll recovers it)", () => {
    let found = false;
    for (let seed = 1; seed <= 10 && !found; seed++) {
      const r = runGuest(
        {
          preset: "channels-grow",
          params: ["driver=bnxt", "rdma=true", "duration=8s"],
          sets: ["driver.rdmaCqRate=2000"],
        },
        "noresize",
        seed,
        true,
      );
      const nqDrops = r.record.drops!.filter((d) => d.vector >= 1 && d.vector < R);
      if (nqDrops.length === 0) continue;
      found = true;
      const x = row(r);
      expect(Number(x.queues_stalled_end)).toBeGreaterThan(0);
      expect(x.outcome).toBe("queue_stalled");
      expect(x.link_failed).toBe(0);
      // A guest that allocates dynamically keeps RoCE's vectors (only the L2 ones are requested
      // again), but on a host without dynamic MSI-X each new L2 vector still tears the whole
      // range down while the NQs are live: only the host's dyn removes the loss.
      const dynGuest = runGuest(
        {
          preset: "channels-grow",
          params: ["driver=bnxt", "rdma=true", "duration=8s"],
          sets: ["driver.rdmaCqRate=2000", "driver.guestAllocDyn=true"],
        },
        "noresize",
        seed,
        true,
      );
      expect(doUse(dynGuest, 4 * S)).toEqual(range(R, 8));
      expect(row(dynGuest).resize_cycles).toBe(4 + 4);
      const dynHost = row(
        runGuest(
          {
            preset: "channels-grow",
            params: ["driver=bnxt", "rdma=true", "duration=8s"],
            sets: ["driver.rdmaCqRate=2000"],
          },
          "dyn",
          seed,
        ),
      );
      expect(dynHost.irq_dropped).toBe(0);
      expect(dynHost.outcome).toBe("ok");
    }
    expect(found).toBe(true);
  });
});

describe("bnxt: dyn never opens a drop window on an active vector", () => {
  const sources: Array<{ preset: string; params?: string[] }> = [
    reLoad(),
    reLoad(["order=rdma-first", "rdma_cq_rate=500", "rdma_cmd_rate=50"]),
    reLoad(["layout=top", "rdma_cq_rate=500"]),
    { preset: "channels-grow", params: ["driver=bnxt", "rdma=true", "duration=6s"] },
  ];
  for (const src of sources) {
    it(`${src.preset} ${(src.params ?? []).join(" ")}`, () => {
      const r = runGuest(src, "dyn");
      expect(r.windows).toHaveLength(0);
      expect(row(r).irq_dropped).toBe(0);
      expect(row(r).outcome).toBe("ok");
    });
  }
});

describe("bnxt: dyn, vectors the guest freed and requests again", () => {
  it("the only windows are on the vector being unmasked, for QEMU's SET_IRQS swap (release, then use); none on another vector", () => {
    // ethtool -L with a guest that allocates dynamically: the L2 vectors are freed (masked) and
    // requested again at the same indices; QEMU moves each from its own eventfd back to KVM.
    const r = runGuest(
      {
        preset: "channels-grow",
        params: ["driver=bnxt", "rdma=true", "duration=6s"],
        sets: ["driver.guestAllocDyn=true", "driver.rdmaCqRate=2000"],
      },
      "dyn",
    );
    expect(r.windows.length).toBeGreaterThan(0);
    const uses = records(r, "qemu", "vfio_msix_vector_do_use");
    for (const w of r.windows) {
      const use = uses.find(
        (u) => Number(u.fields.nr) === w.vector && u.time <= w.start && w.start - u.time < 100_000,
      );
      expect(use, `window on ${w.vector} at ${w.start}`).toBeDefined();
      expect(w.end - w.start).toBeLessThan(10_000);
    }
    expect(row(r).irq_dropped).toBe(0);
  });
});

describe("bnxt: recovery paths", () => {
  it("a firmware reset frees MSI-X and opens L2 before RoCE: C new cycles under noresize, none for RoCE", () => {
    const scenario: ScenarioInput = {
      duration: "12s",
      params: { device: { tableSize: 64 } },
      driver: { name: "bnxt" },
      nic: { rxPps: 500, txPps: 500, start: "1s", stop: "11s" },
      timeline: [
        { at: 0, action: "load" },
        { at: "100ms", action: "up" },
        { at: "2s", action: "rdma-load" },
        { at: "5s", action: "reset" },
      ],
    };
    const r = runGuest(scenario, "noresize");
    expect(doUse(r, 5 * S)).toEqual([...range(R, C), ...range(0, R)]);
    const x = row(r);
    expect(x.resize_cycles).toBe(C + C);
    expect(x.reset_attempts).toBe(1);
    expect(x.port_resets).toBe(0); // the timeline asked for it
    expect(x.outcome).toBe("ok");
  });

  it("layout=top: bnxt_re's cycles lose L2 interrupts, the TX watchdog runs bnxt_reset_task, the port comes back; none under dyn", () => {
    const src = reLoad(["layout=top", "duration=25s", "l2_rings=1"]);
    const legacy = row(runGuest(src, "legacy", 1));
    expect(Number(legacy.irq_dropped)).toBeGreaterThan(0);
    expect(legacy.tx_timeouts).toBe(1);
    expect(legacy.port_resets).toBe(1);
    expect(legacy.outcome).toBe("ok");
    const dyn = row(runGuest(src, "dyn", 1));
    expect(dyn.port_resets).toBe(0);
    expect(dyn.irq_dropped).toBe(0);
  });

  it("a lost CREQ interrupt stalls the waiting RCFW command for rcfwMaxTimeout, then the waiter's poll completes it", () => {
    const params = ["order=rdma-first", "rdma_cq_rate=0", "rdma_cmd_rate=400", "duration=50s"];
    let found = false;
    for (let seed = 1; seed <= 12 && !found; seed++) {
      const r = runGuest({ preset: "bnxt-re-load", params }, "legacy", seed, true);
      const lost = r.record.drops!.filter((d) => d.vector === 0);
      if (lost.length === 0) continue;
      found = true;
      const polls = records(r, "bnxt", "__wait_for_resp: timed out, polling the CREQ");
      expect(polls.length).toBeGreaterThan(0);
      const wait = polls[0]!.time - lost[0]!.at;
      expect(wait).toBeGreaterThan(39 * S);
      expect(wait).toBeLessThanOrEqual(40 * S);
      const x = row(r);
      expect(Number(x.mailbox_timeouts)).toBeGreaterThan(0);
      expect(x.roce_failed).toBe(0);
      expect(x.outcome).toBe("ok");
      // Ended before the poll: the run is not a success.
      const short = runGuest(
        { preset: "bnxt-re-load", params: [...params.slice(0, 3), "duration=20s"] },
        "legacy",
        seed,
      );
      expect(row(short).outcome).toBe("incomplete");
    }
    expect(found).toBe(true);
  });
});

describe("bnxt: bad descriptions are refused, naming the field", () => {
  const prep = (s: unknown) => () => prepareScenario(parseWith(ScenarioSchema, s));
  const base = {
    duration: "1s",
    params: { device: { tableSize: 64 } },
    timeline: [{ at: 0, action: "load" }],
  };

  it("RoCE vectors overlapping the L2 rings", () => {
    expect(prep({ ...base, driver: { name: "bnxt", l2Rings: 8, roceBase: 4 } })).toThrow(
      /driver\.roceBase: .*overlap/,
    );
    expect(prep({ ...base, driver: { name: "bnxt", l2Rings: 8, roceBase: 4 } })).toThrow(
      InputError,
    );
  });

  it("a layout beyond the MSI-X table", () => {
    expect(
      prep({
        ...base,
        params: { device: { tableSize: 16 } },
        driver: { name: "bnxt", l2Rings: 16 },
      }),
    ).toThrow(/params\.device\.tableSize: 16 is smaller than the bnxt driver's 25 vectors/);
  });

  it("more rings in use than the function may have", () => {
    expect(prep({ ...base, driver: { name: "bnxt", l2Rings: 8, l2RingsMax: 4 } })).toThrow(
      /driver\.l2RingsMax/,
    );
  });

  it("an action the design lacks (no reset_prepare / reset_done: no guest-flr)", () => {
    expect(
      prep({ ...base, driver: { name: "bnxt" }, timeline: [{ at: 0, action: "guest-flr" }] }),
    ).toThrow(/timeline\[0\]\.action: the bnxt driver has no "guest-flr"/);
  });

  it("a field of another design", () => {
    expect(prep({ ...base, driver: { name: "bnxt", nicVectors: 17 } })).toThrow(/nicVectors/);
  });
});

describe("bnxt: determinism", () => {
  it("same preset and seed, same fingerprint", () => {
    const src = { preset: "bnxt-re-load", params: ["order=rdma-first", "duration=8s"] };
    const a = row(runGuest(src, "legacy", 3));
    const b = row(runGuest(src, "legacy", 3));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(resolveScenario(src).scenario.driver.name).toBe("bnxt");
  });
});
