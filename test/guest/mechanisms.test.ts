import { describe, expect, it } from "vitest";
import { gammaSample } from "../../src/engine/gamma.js";
import { MS, RandomStreams, S, Simulation, spawn } from "../../src/engine/index.js";
import { CauseBit, EventCause } from "../../src/guest/event-cause.js";
import { roundJiffies } from "../../src/guest/jiffies.js";
import { NetdevWatchdog } from "../../src/guest/netdev-watchdog.js";
import { classifyOutcome, type DriverState } from "../../src/guest/outcome.js";
import { ResetStateMachine } from "../../src/guest/reset-state-machine.js";
import { ServiceTask } from "../../src/guest/service-task.js";
import { TxRing } from "../../src/guest/tx-ring.js";
import { Cpu } from "../../src/model/cpu.js";
import { QueueVector } from "../../src/model/device/queue-vector.js";
import { IrqBus } from "../../src/model/irq-bus.js";

function setup() {
  const sim = new Simulation({ seed: 1 });
  const bus = new IrqBus();
  const raised: number[] = [];
  const device = { raise: (v: number) => raised.push(sim.now) && void v };
  const cpu = new Cpu(sim, "test", sim.streams.get("cpu"));
  return { sim, bus, raised, device, cpu };
}

describe("EventCause (the misc vector's cause register)", () => {
  it("refire=false: one message per clear-to-set; a lost one latches the line until the cause is cleared", () => {
    const { bus, raised, device, cpu } = setup();
    const c = new EventCause(device, 0, false, bus, cpu);
    c.enable(true);
    c.set(CauseBit.MBX);
    expect(raised).toHaveLength(1);
    bus.emitDropped(0, 0); // the message is lost on its way
    expect(c.stuck).toBe(true);
    c.set(CauseBit.MBX); // another mailbox message: the line is already high
    c.set(CauseBit.OTHER);
    expect(raised).toHaveLength(1);
    // A reset path toggles the vector enable with the cause still set: a rising line.
    c.enable(false);
    c.enable(true);
    expect(raised).toHaveLength(2);
    // The handler clears the cause; the next event raises again.
    bus.emitDelivered(0, 0);
    c.clear(-1);
    c.set(CauseBit.MBX);
    expect(raised).toHaveLength(3);
    expect(c.stuck).toBe(false);
  });

  it("refire=true: every new cause sends a message, so the next event delivers what was latched", () => {
    const { bus, raised, device, cpu } = setup();
    const c = new EventCause(device, 0, true, bus, cpu);
    c.enable(true);
    c.set(CauseBit.MBX);
    bus.emitDropped(0, 0);
    expect(c.stuck).toBe(false);
    c.set(CauseBit.MBX);
    expect(raised).toHaveLength(2);
  });

  it("a disabled vector sends nothing; enabling it with a cause set does", () => {
    const { bus, raised, device, cpu } = setup();
    const c = new EventCause(device, 0, false, bus, cpu);
    c.set(CauseBit.RESET);
    expect(raised).toHaveLength(0);
    c.enable(true);
    expect(raised).toHaveLength(1);
  });
});

describe("kernel timers", () => {
  it("round_jiffies: to a whole second, down in its first quarter, else up; never to the past", () => {
    expect(roundJiffies(5.1 * S, 0)).toBe(5 * S);
    expect(roundJiffies(5.3 * S, 0)).toBe(6 * S);
    expect(roundJiffies(5 * S, 0)).toBe(5 * S);
    expect(roundJiffies(5.1 * S, 5.05 * S)).toBe(5.1 * S);
  });

  it("the service task: round_jiffies_relative(HZ) periods; a kick runs it now and the next full run comes a period after the last full one", () => {
    const sim = new Simulation({ seed: 1 });
    const runs: Array<[number, boolean]> = [];
    const t = new ServiceTask(sim, S, (full) => runs.push([sim.now, full]));
    sim.at(0.3 * S, () => t.start()); // 1.3 s rounds up to 2 s
    sim.at(2.5 * S, () => t.kick());
    sim.run({ until: 5.1 * S });
    expect(runs).toEqual([
      [2 * S, true],
      [2.5 * S, false], // the kick: delta 0.5 s < the rounded period, so only the link part
      [3.5 * S, true], // the remainder of the period after the last full run
      [5 * S, true], // 4.5 s rounds up to 5 s
    ]);
    t.stop();
    sim.run({ until: 9 * S });
    expect(runs).toHaveLength(4);
  });
});

describe("TX ring and netdev watchdog", () => {
  it("a starved ring stops after `capacity` transmits: Gamma(capacity, 1/txPps) after the last reap", () => {
    const n = 400;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const { sim, cpu } = setup();
      const ring = new TxRing(
        sim,
        0,
        { rxPps: 0, txPps: 1000, start: 0, stop: 100 * S },
        32,
        new RandomStreams(i).get("tx"),
        cpu,
      );
      ring.reap(0);
      ring.starve();
      sim.run({ until: 10 * S });
      expect(ring.stopped).toBe(true);
      sum += ring.transStart;
    }
    // Mean 32 ms, sd 5.7 ms: the mean of 400 draws is within 1 ms.
    expect(Math.abs(sum / n - 32 * MS)).toBeLessThan(1 * MS);
  });

  it("no TX, or traffic that ends first: the queue never stops", () => {
    for (const load of [
      { rxPps: 5000, txPps: 0, start: 0, stop: 100 * S },
      { rxPps: 0, txPps: 10, start: 0, stop: 1 * S },
    ]) {
      const { sim, cpu } = setup();
      const ring = new TxRing(sim, 0, load, 32, sim.streams.get("tx"), cpu);
      ring.starve();
      sim.run({ until: 60 * S });
      expect(ring.stopped).toBe(false);
    }
  });

  it("dev_watchdog: only a stopped queue times out, only with carrier, once per run of the timer", () => {
    const { sim, cpu } = setup();
    const load = { rxPps: 0, txPps: 1000, start: 0, stop: 100 * S };
    const rings = [0, 1].map((q) => new TxRing(sim, q, load, 32, sim.streams.get(`tx${q}`), cpu));
    const timeouts: number[] = [];
    const wd = new NetdevWatchdog(sim, 5 * S, rings, (q) => timeouts.push(q), cpu);
    wd.carrierOn(); // timer at 5 s
    sim.at(1 * S, () => {
      rings[0]!.reap(1 * S);
      rings[0]!.starve(); // stops at about 1.03 s
    });
    sim.run({ until: 5.5 * S });
    expect(timeouts).toEqual([]); // stopped for less than 5 s at the 5 s run
    sim.run({ until: 10.5 * S });
    expect(timeouts).toEqual([0]); // the 10 s run
    wd.carrierOff();
    sim.run({ until: 30 * S });
    expect(timeouts).toEqual([0]); // no carrier: the timer is not re-armed
  });
});

describe("queue vector (device side)", () => {
  it("fires once per enable, never closer than the gap limit, and stays quiet until re-enabled", () => {
    const { sim, bus, raised, device } = setup();
    const qv = new QueueVector(
      sim,
      device,
      3,
      { rxPps: 1e6, txPps: 0, start: 0, stop: S },
      20_000,
      sim.streams.get("q"),
      false,
      bus,
    );
    qv.enable(0);
    sim.run({ until: 1 * MS });
    expect(raised).toHaveLength(1);
    qv.enable(sim.now);
    sim.run({ until: 2 * MS });
    expect(raised).toHaveLength(2);
    expect(raised[1]! - raised[0]!).toBeGreaterThanOrEqual(20_000);
  });

  it("rearmOnLoss: a lost message is followed by another", () => {
    const { sim, bus, raised, device } = setup();
    const qv = new QueueVector(
      sim,
      device,
      3,
      { rxPps: 1e5, txPps: 0, start: 0, stop: S },
      20_000,
      sim.streams.get("q"),
      true,
      bus,
    );
    qv.enable(0);
    sim.run({ until: 1 * MS });
    bus.emitDropped(3, sim.now);
    sim.run({ until: 2 * MS });
    expect(raised.length).toBeGreaterThan(1);
  });
});

describe("reset state machine (hclge_reset_err_handle)", () => {
  it("1 + maxFailCnt attempts, then RST_FAIL; a success clears the count", () => {
    const sim = new Simulation({ seed: 1 });
    const cpu = new Cpu(sim, "t", sim.streams.get("c"));
    let failedHook = 0;
    const m = new ResetStateMachine(5, cpu, () => failedHook++);
    let calls = 0;
    const steps = (failUntil: number) => ({
      *prepare() {
        yield 1;
        return 0;
      },
      *wait() {
        yield 1000;
        return 0;
      },
      *rebuild() {
        yield 1;
        calls++;
        return calls <= failUntil ? -5 : 0;
      },
    });
    let ok: boolean | undefined;
    spawn(
      sim,
      (function* () {
        ok = yield m.run(steps(100), "FUNC");
      })(),
    );
    sim.run();
    expect(ok).toBe(false);
    expect(m.attempts).toBe(6);
    expect(m.rstFail).toBe(true);
    expect(failedHook).toBe(1);
    calls = 0;
    const m2 = new ResetStateMachine(5, cpu, () => {});
    spawn(
      sim,
      (function* () {
        ok = yield m2.run(steps(2), "FUNC");
      })(),
    );
    sim.run();
    expect(ok).toBe(true);
    expect(m2.attempts).toBe(3);
    expect(m2.failCnt).toBe(0);
  });
});

describe("outcome", () => {
  const base: DriverState = {
    setupFailed: null,
    dead: null,
    pending: null,
    shouldBeUp: true,
    linkUp: true,
    roceLoaded: true,
    roceOk: true,
    stalledQueues: 0,
    linkUpNs: 1,
    resetAttempts: 0,
    portResets: 0,
    rstFail: false,
    roceFailed: false,
    txTimeouts: 0,
    mailboxTimeouts: 0,
    queueStallNs: 0,
    miscStuck: false,
    setupFailures: 0,
  };
  it("the first that applies: setup, dead port, unfinished recovery, link, RoCE, stalled queue", () => {
    // A whole state: the setup part is read from the same object.
    const classify = (s: DriverState) => classifyOutcome(s, s);
    const o = (s: Partial<DriverState>) => classify({ ...base, ...s }).outcome;
    expect(o({})).toBe("ok");
    expect(o({ setupFailed: "x", dead: "y", linkUp: false })).toBe("setup_failed");
    expect(o({ dead: "RST_FAIL", linkUp: false, pending: "reset" })).toBe("reset_failed");
    expect(o({ linkUp: false, pending: "link poll" })).toBe("incomplete");
    expect(o({ pending: "link poll" })).toBe("ok");
    expect(o({ linkUp: false })).toBe("link_failed");
    expect(o({ roceOk: false })).toBe("roce_failed");
    expect(o({ stalledQueues: 2 })).toBe("queue_stalled");
    expect(o({ shouldBeUp: false, linkUp: false, roceLoaded: false })).toBe("ok");
    expect(classify({ ...base, linkUp: false }).linkFailed).toBe(true);
  });
});

describe("gammaSample", () => {
  it("has mean shape * scale and variance shape * scale^2", () => {
    const rng = new RandomStreams(7).get("g");
    for (const shape of [0.5, 1, 32, 1000]) {
      const xs = Array.from({ length: 20_000 }, () => gammaSample(rng, shape, 2));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
      expect(Math.abs(mean - 2 * shape) / (2 * Math.sqrt(shape / xs.length))).toBeLessThan(4);
      expect(v / (4 * shape)).toBeGreaterThan(0.9);
      expect(v / (4 * shape)).toBeLessThan(1.1);
    }
  });
});
