import { describe, expect, it } from "vitest";
import { parseDistribution, S, Simulation, spawn, US } from "../../src/engine/index.js";
import { ArmedCompletionQueue, ENODEV } from "../../src/guest/armed-completion-queue.js";
import { CompletionRingEvents } from "../../src/guest/completion-ring-events.js";
import { Napi } from "../../src/guest/napi.js";
import { Cpu } from "../../src/model/cpu.js";
import { QueueVector } from "../../src/model/device/queue-vector.js";
import { IrqBus } from "../../src/model/irq-bus.js";

/** A device whose messages are delivered after 2 us, or dropped while `lose` says so. */
function setup() {
  const sim = new Simulation({ seed: 1 });
  const bus = new IrqBus();
  const raised: number[] = [];
  const state = { lose: false };
  const device = {
    raise: (v: number) => {
      raised.push(sim.now);
      if (state.lose) {
        bus.emitDropped(v, sim.now);
        return;
      }
      const at = sim.now + 2 * US;
      bus.emitScheduled(v, at);
      sim.at(at, () => bus.emitDelivered(v, at));
    },
  };
  const cpu = new Cpu(sim, "test", sim.streams.get("cpu"));
  return { sim, bus, raised, state, device, cpu };
}

function creq(x: ReturnType<typeof setup>, answer = "100us") {
  return new ArmedCompletionQueue(
    x.sim,
    "creq",
    x.device,
    0,
    parseDistribution(answer, "answer"),
    x.sim.streams.get("answers"),
    x.bus,
    x.cpu,
  );
}

describe("ArmedCompletionQueue (bnxt_re's CREQ: armed doorbell, __wait_for_resp with a poll)", () => {
  it("a command completes by its interrupt; the queue is armed again after the handler", () => {
    const x = setup();
    const q = creq(x);
    q.enable();
    let rc = 1;
    spawn(
      x.sim,
      (function* () {
        rc = yield q.request("query", 40 * S);
      })(),
    );
    x.sim.run({ until: S });
    expect(rc).toBe(0);
    expect(x.raised).toHaveLength(1);
    expect(q.timeouts).toBe(0);
    expect(q.armed).toBe(true);
  });

  it("a lost interrupt leaves it disarmed: the waiter times out after maxTimeout, polls, and completes", () => {
    const x = setup();
    const q = creq(x);
    q.enable();
    x.state.lose = true;
    const done: number[] = [];
    spawn(
      x.sim,
      (function* () {
        const rc: number = yield q.request("first", 40 * S);
        done.push(x.sim.now, rc);
      })(),
    );
    // A second command while the queue is disarmed: its entry raises nothing either.
    spawn(
      x.sim,
      (function* () {
        yield S;
        x.state.lose = false;
        const rc: number = yield q.request("second", 40 * S);
        done.push(x.sim.now, rc);
      })(),
    );
    x.sim.run({ until: 100 * S });
    expect(x.raised).toHaveLength(1);
    expect(q.stuck).toBe(false);
    // The first waiter's poll at 40 s reads both entries.
    expect(done).toEqual([40 * S, 0, 40 * S, 0]);
    expect(q.timeouts).toBe(1);
    expect(q.polled).toBe(1);
    expect(q.armed).toBe(true);
  });

  it("no answer for maxTimeout: firmware stall, -ENODEV (bnxt_re_is_fw_stalled)", () => {
    const x = setup();
    const q = creq(x, "100s");
    q.enable();
    let rc = 0;
    spawn(
      x.sim,
      (function* () {
        rc = yield q.request("stuck", 40 * S);
      })(),
    );
    x.sim.run({ until: 200 * S });
    expect(rc).toBe(ENODEV);
    expect(q.failures).toBe(1);
  });

  it("tearing the queue down wakes every waiter with an error and ignores late answers", () => {
    const x = setup();
    const q = creq(x, "1s");
    q.enable();
    let rc = 0;
    spawn(
      x.sim,
      (function* () {
        rc = yield q.request("cmd", 40 * S);
      })(),
    );
    x.sim.at(S / 2, () => q.flush());
    x.sim.run({ until: 5 * S });
    expect(rc).toBe(ENODEV);
    expect(x.raised).toHaveLength(0);
  });
});

describe("CompletionRingEvents (bnxt's async events on ring 0)", () => {
  function ring(x: ReturnType<typeof setup>) {
    const load = { rxPps: 0, txPps: 0, start: 0, stop: 100 * S };
    const qv = new QueueVector(x.sim, x.device, 3, load, 0, x.sim.streams.get("q"), false, x.bus);
    const napi = new Napi(x.sim, qv, null, 5 * US, x.bus, x.cpu);
    const handled: number[] = [];
    const events = new CompletionRingEvents<string>(
      x.sim,
      x.device,
      napi,
      x.bus,
      5 * US,
      () => handled.push(x.sim.now),
      x.cpu,
    );
    return { napi, events, handled };
  }

  it("an event on an armed ring raises an interrupt and is handled in the ring's poll", () => {
    const x = setup();
    const r = ring(x);
    r.napi.start(0);
    r.events.start();
    x.sim.at(S, () => r.events.post("link"));
    x.sim.run({ until: 2 * S });
    expect(x.raised).toEqual([S]);
    expect(r.handled).toEqual([S + 7 * US]);
    expect(r.napi.stalled).toBe(false);
  });

  it("a lost interrupt disarms the ring: later events wait (stuck), freeing the ring discards them", () => {
    const x = setup();
    const r = ring(x);
    r.napi.start(0);
    r.events.start();
    x.state.lose = true;
    x.sim.at(S, () => r.events.post("first"));
    x.sim.at(2 * S, () => r.events.post("link"));
    x.sim.run({ until: 3 * S });
    expect(x.raised).toEqual([S]);
    expect(r.handled).toEqual([]);
    expect(r.napi.stalled).toBe(true);
    expect(r.events.stuck).toBe(true);
    r.events.stop();
    expect(r.events.discarded).toBe(2);
    expect(r.events.stuck).toBe(false);
  });

  it("with no ring registered the firmware has nowhere to write the event", () => {
    const x = setup();
    const r = ring(x);
    r.events.post("link");
    expect(r.events.discarded).toBe(1);
    expect(x.raised).toHaveLength(0);
  });
});
