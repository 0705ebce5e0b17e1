import { describe, expect, it } from "vitest";
import { runRow } from "../../src/analysis/run-row.js";
import type { ProfileName } from "../../src/model/profiles.js";
import { InputError } from "../../src/scenario/errors.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario } from "../../src/scenario/runner.js";
import type { ScenarioInput } from "../../src/scenario/schema.js";
import { type GuestRun, records, runGuest } from "./helpers.js";

const S = 1e9;
const MS_ = 1e6;

/** K completion vectors, C channels at ifup, RDMA CQs on R vectors; load, up, rdma-load. */
function bringUp(
  k: number,
  c: number,
  r: number,
  extra: Record<string, unknown> = {},
  rest: Partial<ScenarioInput> = {},
): ScenarioInput {
  return {
    duration: "2s",
    params: { device: { tableSize: 16 } },
    driver: { name: "mlx5", compVectors: k, channels: c, rdmaCqVectors: r, ...extra },
    timeline: [
      { at: 0, action: "load" },
      { at: "100ms", action: "up" },
      { at: "1s", action: "rdma-load" },
    ],
    ...rest,
  } as ScenarioInput;
}

/** vfio_msix_vector_do_use calls (nr, whether it set a new max) in [from, to). */
function uses(run: GuestRun, from = 0, to = Number.POSITIVE_INFINITY) {
  return records(run, "qemu", "vfio_msix_vector_do_use")
    .filter((x) => x.time >= from && x.time < to)
    .map((x) => ({ nr: Number(x.fields.nr), grow: x.fields.resizing === true }));
}

/** Resize cycles (full host teardowns) starting in [from, to). */
function cycles(run: GuestRun, from = 0, to = Number.POSITIVE_INFINITY): number {
  return run.record.cycles.filter((c) => c.kind === "resize" && c.start >= from && c.start < to)
    .length;
}

const row = (r: GuestRun) => runRow({ run: 0, ...r });

describe("mlx5: the order in which the guest unmasks vectors (vfio_msix_vector_do_use)", () => {
  const K = 6;
  const C = 3;
  const legacy = runGuest(bringUp(K, C, K), "legacy");

  it("probe: the control vector (0), then the drop RQ's completion vector 0 (index 1)", () => {
    expect(uses(legacy, 0, 100 * MS_)).toEqual([
      { nr: 0, grow: true },
      { nr: 1, grow: true },
    ]);
  });

  it("ifup with C channels: indices 2..C in ascending order (vector 0's EQ exists already)", () => {
    expect(uses(legacy, 100 * MS_, S).map((u) => u.nr)).toEqual([2, 3]);
  });

  it("mlx5_ib + its user's CQ pool on all K vectors: indices C+1..K ascending, nothing below", () => {
    expect(uses(legacy, S).map((u) => u.nr)).toEqual([4, 5, 6]);
  });

  it("mlx5_ib alone (no user's CQs) unmasks nothing: its CQs use vector 0", () => {
    const alone = runGuest(bringUp(K, C, 0), "legacy");
    expect(uses(alone, S)).toEqual([]);
  });

  it("the guest's order does not depend on the host profile", () => {
    const dyn = runGuest(bringUp(K, C, K), "dyn");
    expect(uses(dyn).map((u) => u.nr)).toEqual(uses(legacy).map((u) => u.nr));
  });

  it("older kernels: all completion EQs at probe (<= v6.5); ctrl on the last index (v5.13-v6.3)", () => {
    const v64 = runGuest(bringUp(K, C, K, { compEqsAtLoad: true }), "legacy");
    expect(uses(v64, 0, 100 * MS_).map((u) => u.nr)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(uses(v64, 100 * MS_)).toEqual([]);
    const v513 = runGuest(
      bringUp(K, C, K, { compEqsAtLoad: true, ctrlVector: K, compBase: 0 }),
      "noresize",
    );
    expect(uses(v513).map((u) => u.nr)).toEqual([6, 0, 1, 2, 3, 4, 5]);
    expect(row(v513).resize_cycles).toBe(1); // one growth, straight to the full size
  });
});

describe("mlx5: resize cycles follow from that order", () => {
  for (const profile of ["legacy", "noresize"] as const) {
    it(`${profile}: probe 2, ifup C-1, RDMA CQs R-C (ascending new maxima)`, () => {
      const r = runGuest(bringUp(8, 3, 7), profile);
      expect(cycles(r, 0, 100 * MS_)).toBe(2);
      expect(cycles(r, 100 * MS_, S)).toBe(3 - 1);
      expect(cycles(r, S)).toBe(7 - 3);
      expect(row(r).resize_cycles).toBe(2 + 2 + 4);
    });
  }

  it("dyn: the same unmasks cost no cycle", () => {
    expect(row(runGuest(bringUp(8, 3, 7), "dyn")).resize_cycles).toBe(0);
  });
});

describe("mlx5-rdma-load", () => {
  const short = ["duration=8s"];

  it("legacy: the RDMA CQs' R - C cycles drop live channels' interrupts; dyn: no cycle, no drop window, no drop", () => {
    const legacy = runGuest({ preset: "mlx5-rdma-load", params: short }, "legacy", 1);
    expect(cycles(legacy, 4 * S)).toBe(16 - 8);
    expect(Number(row(legacy).irq_dropped)).toBeGreaterThan(0);
    for (let seed = 1; seed <= 3; seed++) {
      const dyn = runGuest({ preset: "mlx5-rdma-load", params: short }, "dyn", seed);
      const d = row(dyn);
      expect(d.resize_cycles, `seed ${seed}`).toBe(0);
      expect(dyn.windows, `seed ${seed}`).toHaveLength(0);
      expect(d.irq_dropped, `seed ${seed}`).toBe(0);
      expect(d.outcome, `seed ${seed}`).toBe("ok");
    }
  });

  it("a stalled channel with TX load is recovered by the TX timeout's EQ poll, not a reset", () => {
    const r = runGuest({ preset: "mlx5-rdma-load", params: ["duration=40s"] }, "noresize", 1);
    const d = row(r);
    expect(Number(d.irq_dropped)).toBeGreaterThan(0);
    expect(Number(d.tx_timeouts)).toBeGreaterThan(0);
    expect(records(r, "mlx5", "Recovered eqes on EQ").length).toBeGreaterThan(0);
    expect(d.port_resets).toBe(0);
    expect(d.queues_stalled_end).toBe(0);
    expect(d.outcome).toBe("ok");
  });

  it("RX-only traffic: nothing notices the stalled channels (queue_stalled), never ok", () => {
    const r = runGuest(
      { preset: "mlx5-rdma-load", params: ["tx_pps=0", "rx_pps=2000", "duration=20s"] },
      "legacy",
      1,
    );
    const d = row(r);
    expect(Number(d.queues_stalled_end)).toBeGreaterThan(0);
    expect(d.tx_timeouts).toBe(0);
    expect(d.outcome).toBe("queue_stalled");
  });

  it("channels = mlx5e's default (all completion vectors): the RDMA CQs add no vector", () => {
    const r = runGuest({ preset: "mlx5-rdma-load", params: ["channels=0", ...short] }, "legacy", 1);
    expect(cycles(r, 4 * S)).toBe(0);
    expect(row(r).resize_cycles).toBe(1 + 16);
  });

  it("a command completion lost in a cycle stalls the command interface MLX5_TO_CMD_MS, then mlx5_cmd_eq_recover", () => {
    // A monitor reading stats every 2 ms keeps commands in flight during the RDMA CQ cycles.
    const params = ["stats_interval=2ms", "duration=70s", "rx_pps=0", "tx_pps=0"];
    const r = runGuest({ preset: "mlx5-rdma-load", params }, "legacy", 3, true);
    const lost = r.record.drops!.filter((x) => x.vector === 0);
    expect(lost).toHaveLength(1);
    const timeout = records(r, "mlx5", "cmd timeout");
    expect(timeout).toHaveLength(1);
    expect(records(r, "mlx5", "cmd recovered after timeout")).toHaveLength(1);
    const waited = timeout[0]!.time - lost[0]!.at;
    expect(waited).toBeGreaterThan(59.9 * S);
    expect(waited).toBeLessThanOrEqual(60 * S);
    const d = row(r);
    expect(d.mailbox_timeouts).toBe(1);
    expect(d.outcome).toBe("ok");
    // The same run cut before the timeout is incomplete, not ok.
    const cut = runGuest(
      {
        preset: "mlx5-rdma-load",
        params: [...params.slice(0, 1), "duration=30s", ...params.slice(2)],
      },
      "legacy",
      3,
    );
    expect(row(cut).outcome).toBe("incomplete");
    expect(String(row(cut).outcome_reason)).toMatch(/MLX5_TO_CMD_MS/);
    expect(row(cut).misc_stuck_end).toBe(1);
  });

  it("is deterministic: same seed, same fingerprint", () => {
    const a = row(runGuest({ preset: "mlx5-rdma-load", params: short }, "noresize", 5));
    const b = row(runGuest({ preset: "mlx5-rdma-load", params: short }, "noresize", 5));
    expect(a.fingerprint).toBe(b.fingerprint);
  });
});

describe("channels-grow --param driver=mlx5 (ethtool -L, make-before-break)", () => {
  const grow = (profile: ProfileName, duration: string) =>
    runGuest(
      { preset: "channels-grow", params: ["driver=mlx5", `duration=${duration}`] },
      profile,
      1,
    );

  it("4 -> 8: four cycles under noresize, while the old channels carry traffic; none under dyn", () => {
    const noresize = grow("noresize", "6s");
    expect(cycles(noresize, 4 * S)).toBe(8 - 4);
    expect(uses(noresize, 4 * S).map((u) => u.nr)).toEqual([5, 6, 7, 8]);
    const dyn = grow("dyn", "6s");
    expect(row(dyn).resize_cycles).toBe(0);
    expect(row(dyn).irq_dropped).toBe(0);
    expect(row(dyn).outcome).toBe("ok");
  });

  it("old channels' EQs fired in the cycles: the new channels on them wait MLX5E_RQ_WQES_TIMEOUT, carrier off", () => {
    const cut = grow("noresize", "10s");
    expect(Number(row(cut).irq_dropped)).toBeGreaterThan(0);
    expect(row(cut).outcome).toBe("incomplete");
    expect(String(row(cut).outcome_reason)).toMatch(/RX timeout/);
    const full = grow("noresize", "30s");
    const rx = records(full, "mlx5", "Failed to get min RX wqes");
    expect(rx.length).toBeGreaterThan(0);
    expect(rx[0]!.time).toBeGreaterThan(24 * S);
    const d = row(full);
    expect(d.outcome).toBe("ok");
    expect(Number(d.link_up_ns)).toBeGreaterThan(24 * S);
  });
});

describe("mlx5 resets", () => {
  const nic = { rxPps: 1000, txPps: 1000, start: "3s", stop: "12s" };
  const up = (extra: Record<string, unknown>, timeline: ScenarioInput["timeline"]) =>
    ({
      duration: "20s",
      params: { device: { tableSize: 16 } },
      driver: { name: "mlx5", compVectors: 6, channels: 3, ...extra },
      nic,
      timeline: [{ at: 0, action: "load" }, { at: "100ms", action: "up" }, ...(timeline ?? [])],
    }) as ScenarioInput;

  it("guest FLR: no reset_prepare; the health poller's recovery frees MSI-X and grows it again from 0", () => {
    const r = runGuest(up({}, [{ at: "5s", action: "guest-flr" }]), "noresize");
    expect(
      uses(r, 5 * S)
        .filter((u) => u.grow)
        .map((u) => u.nr),
    ).toEqual([0, 1, 2, 3]);
    const d = row(r);
    expect(d.port_resets).toBe(1);
    expect(d.outcome).toBe("ok");
    expect(Number(d.link_up_ns)).toBeGreaterThan(5 * S);
    const none = row(
      runGuest(up({ flrRecovery: "none" }, [{ at: "5s", action: "guest-flr" }]), "noresize"),
    );
    expect(none.outcome).toBe("reset_failed");
    expect(none.link_failed).toBe(1);
  });

  it("devlink reload (reset) and QEMU reset + reprobe: the range grows from 0 again; unload disables MSI-X", () => {
    const reload = runGuest(up({}, [{ at: "5s", action: "reset" }]), "noresize");
    expect(
      uses(reload, 5 * S)
        .filter((u) => u.grow)
        .map((u) => u.nr),
    ).toEqual([0, 1, 2, 3]);
    expect(row(reload).reset_attempts).toBe(1);
    expect(row(reload).outcome).toBe("ok");
    const qemu = runGuest(
      up({}, [
        { at: "5s", action: "qemu-reset" },
        { at: "6s", action: "load" },
        { at: "6100ms", action: "up" },
      ]),
      "noresize",
    );
    expect(
      uses(qemu, 5 * S)
        .filter((u) => u.grow)
        .map((u) => u.nr),
    ).toEqual([0, 1, 2, 3]);
    expect(row(qemu).outcome).toBe("ok");
    const unloaded = runGuest(up({}, [{ at: "5s", action: "unload" }]), "noresize");
    expect(unloaded.outcome.linkUpNs).toBeNull();
    expect(row(unloaded).outcome).toBe("ok");
    expect(unloaded.record.timeline.valueAt(0 as never, 0, 19e9, -1)).toBe(0); // Enable clear
  });
});

describe("mlx5: bad descriptions are refused naming the field (InputError: exit 2)", () => {
  const prep = (sets: string[]) =>
    prepareScenario(resolveScenario({ preset: "mlx5-rdma-load", sets }).scenario);
  const refused = (sets: string[], field: RegExp) => {
    let err: unknown = null;
    try {
      prep(sets);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(field);
  };

  it("a vector beyond the MSI-X table", () => {
    refused(["driver.compVectors=100"], /params\.device\.tableSize/);
    refused(
      ['timeline=[{"at":0,"action":"unmask","vectors":99}]'],
      /timeline\[0\]\.vectors: vector 99 is beyond/,
    );
  });

  it("overlapping vector groups, or counts beyond the completion vectors", () => {
    refused(
      ["driver.ctrlVector=3"],
      /driver\.ctrlVector: 3 overlaps the completion vectors 1\.\.16/,
    );
    refused(["driver.channels=17"], /driver\.channels/);
    refused(["driver.rdmaCqVectors=17"], /driver\.rdmaCqVectors/);
  });

  it("an action the design lacks, an unknown driver", () => {
    refused(
      ['timeline=[{"at":0,"action":"load"},{"at":"1s","action":"link-up"}]'],
      /timeline\[1\]\.action: the mlx5 driver has no "link-up"/,
    );
    refused(["driver.name=nope"], /driver.*must name a known driver/);
  });
});
