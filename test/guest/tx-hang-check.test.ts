import { describe, expect, it } from "vitest";
import { MS, S, Simulation } from "../../src/engine/index.js";
import type { NicQueue } from "../../src/guest/netdev.js";
import { TxHangCheck } from "../../src/guest/tx-hang-check.js";
import { Cpu } from "../../src/model/cpu.js";

/** The parts of a channel the check reads: NAPI's poll count and stall, the ring, the load. */
function queue(txPps: number) {
  const q = {
    napi: { polls: 5, stalled: false, stalledSince: -1 },
    ring: { stopped: false, queue: 0 },
    vector: { vector: 3, load: { rxPps: 100, txPps, start: 0, stop: 100 * S } },
  };
  return { q, nic: q as unknown as NicQueue };
}

function setup() {
  const sim = new Simulation({ seed: 1 });
  const fired: number[] = [];
  const check = new TxHangCheck(
    sim,
    (q) => fired.push(q.vector.vector),
    new Cpu(sim, "t", sim.streams.get("c")),
  );
  return { sim, fired, check };
}

describe("TxHangCheck (ice_check_for_hang_subtask)", () => {
  it("a healthy queue is never re-fired", () => {
    const { sim, fired, check } = setup();
    const { nic } = queue(1000);
    for (let i = 1; i <= 5; i++) sim.at(i * S, () => check.run([nic]));
    sim.run({ until: 6 * S });
    expect(fired).toEqual([]);
  });

  it("a stalled queue with TX is re-fired at the second check that sees no progress, again until it polls", () => {
    const { sim, fired, check } = setup();
    const { q, nic } = queue(1000);
    sim.at(500 * MS, () => {
      q.napi.stalled = true;
      q.napi.stalledSince = sim.now;
    });
    for (let i = 1; i <= 3; i++) sim.at(i * S, () => check.run([nic])); // 1 s: prev_pkt = polls
    sim.at(3500 * MS, () => {
      q.napi.polls++; // the software interrupt's NAPI poll ran
      q.napi.stalled = false;
    });
    sim.at(4 * S, () => check.run([nic]));
    sim.run({ until: 5 * S });
    expect(fired).toEqual([3, 3]); // at 2 s and 3 s
    expect(check.triggers).toBe(2);
  });

  it("RX only: nothing pending, never re-fired; a stopped ring is pending at once", () => {
    const { sim, fired, check } = setup();
    const rx = queue(0);
    rx.q.napi.stalled = true;
    rx.q.napi.stalledSince = 0;
    const stopped = queue(0);
    stopped.q.vector.vector = 7;
    stopped.q.napi.stalled = true;
    stopped.q.napi.stalledSince = 0;
    stopped.q.ring.stopped = true;
    for (let i = 1; i <= 3; i++) sim.at(i * S, () => check.run([rx.nic, stopped.nic]));
    sim.run({ until: 4 * S });
    expect(fired).toEqual([7, 7]);
    expect(check.willRevive(rx.nic, 4 * S)).toBe(false);
    expect(check.willRevive(stopped.nic, 4 * S)).toBe(true);
  });
});
