import { describe, expect, it } from "vitest";
import { MS, parseDistribution, S, Simulation, spawn, US } from "../../src/engine/index.js";
import { CompletionQueue } from "../../src/guest/completion-queue.js";
import { Cpu } from "../../src/model/cpu.js";

/** A CQ whose doorbell either reaches the handler (interrupt delivered) or is lost. */
function setup(response: string, delivered: boolean, threshold = 500) {
  const sim = new Simulation({ seed: 1 });
  const cpu = new Cpu(sim, "t", sim.streams.get("c"));
  const cq: CompletionQueue = new CompletionQueue(
    sim,
    "cqp",
    () => {
      if (delivered) cq.receive();
    },
    parseDistribution(response, "response"),
    sim.streams.get("cq"),
    10 * MS,
    threshold,
    cpu,
  );
  const ends: Array<[number, boolean]> = [];
  spawn(
    sim,
    (function* () {
      for (let i = 0; i < 3; i++) {
        const ok: boolean = yield cq.request(`cmd-${i}`);
        ends.push([sim.now, ok]);
      }
    })(),
  );
  return { sim, cq, ends };
}

describe("CompletionQueue (irdma_wait_event)", () => {
  it("with the completion interrupt each command returns when its completion is written", () => {
    const { sim, cq, ends } = setup("20us", true);
    sim.run({ until: S });
    expect(ends).toEqual([
      [20 * US, true],
      [40 * US, true],
      [60 * US, true],
    ]);
    expect(cq.polled).toBe(0);
  });

  it("without it the waiter finds each completion at its next poll, CQP_COMPL_WAIT_TIME_MS later", () => {
    const { sim, cq, ends } = setup("20us", false);
    sim.run({ until: S });
    expect(ends).toEqual([
      [10 * MS, true],
      [20 * MS, true],
      [30 * MS, true],
    ]);
    expect(cq.polled).toBe(3);
    expect(cq.timeouts).toBe(0);
  });

  it("a command with no completion for CQP_TIMEOUT_THRESHOLD polls fails (-ETIMEDOUT)", () => {
    const { sim, cq, ends } = setup("1s", false, 5);
    sim.run({ until: 200 * MS });
    expect(ends[0]).toEqual([50 * MS, false]);
    expect(cq.timeouts).toBeGreaterThan(0);
  });
});
