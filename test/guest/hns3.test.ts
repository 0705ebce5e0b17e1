import { describe, expect, it } from "vitest";
import { runRow } from "../../src/analysis/run-row.js";
import type { Hns3ParamsInput } from "../../src/guest/hns3/params.js";
import type { ScenarioInput } from "../../src/scenario/schema.js";
import { type GuestRun, ms, records, runGuest } from "./helpers.js";

const S = 1e9;

/** A VF whose link-status answers land inside hns_roce's resize cycles. */
function vfRoceRightAfterUp(refire: boolean, extra: ScenarioInput["timeline"] = []): ScenarioInput {
  return {
    duration: "12s",
    params: { device: { tableSize: 96 } },
    driver: {
      function: "vf",
      tqpVectors: 4,
      miscCauseRefire: refire,
      mailboxResponse: { uniform: ["1ms", "30ms"] },
      roceInitDelay: "0",
    },
    timeline: [
      { at: 0, action: "hns3-load" },
      { at: "100ms", action: "hns3-up" },
      { at: "100ms", action: "roce-load" },
      ...(extra ?? []),
    ],
  };
}

/** The first seed whose run loses a misc interrupt (the PF's answers are timed at random). */
function firstMiscLoss(refire: boolean): { seed: number; run: GuestRun } {
  for (let seed = 1; seed <= 40; seed++) {
    const run = runGuest(vfRoceRightAfterUp(refire), "legacy", seed, true);
    if (run.record.drops!.some((d) => d.vector === 0)) return { seed, run };
  }
  throw new Error("no seed in 1..40 loses a misc interrupt");
}

describe("HNS3 guest: from a lost interrupt to an outcome", () => {
  it("RX-only traffic: queue interrupts are lost, no TX timeout, no port reset", () => {
    const r = runGuest(
      { preset: "hns3-roce-load", params: ["tx_pps=0", "rx_pps=2000", "duration=25s"] },
      "legacy",
    );
    const row = runRow({ run: 0, ...r });
    expect(Number(row.irq_dropped)).toBeGreaterThan(0);
    expect(row.tx_timeouts).toBe(0);
    expect(row.port_resets).toBe(0);
    expect(Number(row.queues_stalled_end)).toBeGreaterThan(0);
    expect(row.outcome).toBe("queue_stalled");
    expect(row.link_failed).toBe(0);
  });

  it("enough TX: one watchdog timeout watchdog_timeo after the queue stopped, then a port reset; none under dyn", () => {
    const src = {
      preset: "hns3-roce-load",
      params: ["tqp_vectors=1", "rx_pps=0", "tx_pps=1000", "roce_load_at=12s", "duration=40s"],
    };
    const legacy = runGuest(src, "legacy", 2);
    const row = runRow({ run: 0, ...legacy });
    expect(Number(row.irq_dropped)).toBeGreaterThan(0);
    const stops = records(legacy, "hns3", "netif_tx_stop_queue");
    const timeouts = records(legacy, "hns3", "NETDEV WATCHDOG: transmit queue timed out");
    expect(stops).toHaveLength(1);
    expect(timeouts).toHaveLength(1);
    expect(row.tx_timeouts).toBe(1);
    // dev_watchdog runs every watchdog_timeo (rounded to a whole second): the first run more
    // than 5 s after the stop times the queue out.
    const waited = timeouts[0]!.time - stops[0]!.time;
    expect(waited).toBeGreaterThan(5 * S);
    expect(waited).toBeLessThanOrEqual(11 * S);
    expect(row.port_resets).toBe(1);
    expect(row.outcome).toBe("ok");
    expect(Number(row.link_up_ns)).toBeGreaterThan(timeouts[0]!.time);

    const dyn = runRow({ run: 0, ...runGuest(src, "dyn", 2) });
    expect(dyn.irq_dropped).toBe(0);
    expect(dyn.tx_timeouts).toBe(0);
    expect(dyn.port_resets).toBe(0);
    expect(dyn.outcome).toBe("ok");
  });

  it("a VF whose first link answer is lost (refire) reports link up within about one service-task period", () => {
    const r = firstMiscLoss(true).run;
    const lost = r.record.drops!.filter((d) => d.vector === 0);
    expect(lost.length).toBeGreaterThan(0);
    const row = runRow({ run: 0, ...r });
    expect(row.outcome).toBe("ok");
    expect(Number(row.link_up_ns)).toBeGreaterThan(lost[0]!.at);
    expect(ms(Number(row.link_up_ns) - lost[0]!.at)).toBeLessThan(1000 + 10);
  });

  it("miscCauseRefire=false: a lost misc interrupt leaves the cause latched; nothing is delivered on the misc vector after it and the link stays down", () => {
    const { seed, run: stuck } = firstMiscLoss(false);
    const lostAt = stuck.record.drops!.find((d) => d.vector === 0)!.at;
    const after = stuck.record.deliveries!.filter((d) => d.vector === 0 && d.at > lostAt);
    expect(after).toHaveLength(0);
    const row = runRow({ run: 0, ...stuck });
    expect(row.misc_stuck_end).toBe(1);
    expect(row.outcome).toBe("link_failed");
    expect(row.link_failed).toBe(1);
    // true: the next misc message (the next service-task request's answer) arrives.
    const refire = runGuest(vfRoceRightAfterUp(true), "legacy", seed, true);
    const lostR = refire.record.drops!.find((d) => d.vector === 0)!.at;
    expect(refire.record.deliveries!.some((d) => d.vector === 0 && d.at > lostR)).toBe(true);
  });

  it("a VF reset whose mailbox answers cannot arrive fails, is retried at once, then HCLGEVF_STATE_RST_FAIL", () => {
    // The link comes up first; a later service-task answer is lost in hns_roce's cycles.
    const timeline: ScenarioInput["timeline"] = [
      { at: 0, action: "hns3-load" },
      { at: "100ms", action: "hns3-up" },
      { at: "2s", action: "roce-load" },
      { at: "5s", action: "reset" },
    ];
    const scenario = (refire: boolean): ScenarioInput => {
      const base = vfRoceRightAfterUp(refire);
      return {
        ...base,
        duration: "30s",
        driver: { ...(base.driver as Hns3ParamsInput), mailboxResponse: "3ms" },
        timeline,
      };
    };
    const failed = runRow({ run: 0, ...runGuest(scenario(false), "legacy", 1) });
    expect(failed.misc_stuck_end).toBe(1);
    expect(failed.reset_attempts).toBe(6); // 1 + HCLGEVF_RESET_MAX_FAIL_CNT
    expect(failed.rst_fail).toBe(1);
    expect(failed.outcome).toBe("reset_failed");
    expect(failed.port_resets).toBe(0); // the scenario asked for this reset
    const ok = runRow({ run: 0, ...runGuest(scenario(true), "legacy", 1) });
    expect(ok.rst_fail).toBe(0);
    expect(ok.reset_attempts).toBe(1);
    expect(ok.outcome).toBe("ok");
  });

  it("a VF allocates up to 64 + its RoCE vectors (vfio_msix_vector_do_use sees nr = 64); a PF does not", () => {
    const nrs = (fn: string) =>
      records(
        runGuest({ preset: "hns3-roce-load", params: [`function=${fn}`, "duration=6s"] }, "legacy"),
        "qemu",
        "vfio_msix_vector_do_use",
      ).map((r) => Number(r.fields.nr));
    const vf = nrs("vf");
    expect(vf).toContain(64);
    expect(Math.max(...vf)).toBe(64 + 32 - 1);
    const pf = nrs("pf");
    expect(pf).not.toContain(64);
    expect(Math.max(...pf)).toBe(17 + 32 - 1);
  });

  it("hns3-guest-flr under dyn: no port reset and no loss in any run", () => {
    for (let seed = 1; seed <= 4; seed++) {
      const row = runRow({ run: 0, ...runGuest({ preset: "hns3-guest-flr" }, "dyn", seed) });
      expect(row.port_resets, `seed ${seed}`).toBe(0);
      expect(row.irq_dropped, `seed ${seed}`).toBe(0);
      expect(row.outcome, `seed ${seed}`).toBe("ok");
    }
  });

  it("dyn-small-itt: a driver whose vectors could not be set up is not ok", () => {
    const row = runRow({
      run: 0,
      ...runGuest({ preset: "hns3-roce-load", params: ["duration=8s"] }, "dyn-small-itt"),
    });
    expect(Number(row.setup_failures)).toBeGreaterThan(0);
    expect(row.outcome).toBe("setup_failed");
  });
});

describe("driver designs", () => {
  const grow = (profile: "noresize" | "dyn") =>
    runRow({
      run: 0,
      ...runGuest(
        {
          duration: "3s",
          driver: { tqpVectors: 4 },
          timeline: [
            { at: 0, action: "load" },
            { at: "100ms", action: "up" },
            { at: "2s", action: "channels", count: 8 },
          ],
        },
        profile,
      ),
    });

  it("hns3 ethtool -L combined 4 -> 8: four more resize cycles under noresize, none under dyn", () => {
    expect(grow("noresize").resize_cycles).toBe(1 + 4 + 4);
    expect(grow("dyn").resize_cycles).toBe(0);
  });

  it("a scenario names its driver; an unknown one, or an action the design lacks, is refused naming the field", () => {
    expect(() => runGuest({ duration: "1s", driver: { name: "nope" } } as never, "dyn")).toThrow(
      /must name a known driver/,
    );
  });
});
