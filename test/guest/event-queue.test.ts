import { describe, expect, it } from "vitest";
import { FixedDist, MS, S, Simulation, spawn } from "../../src/engine/index.js";
import { CmdInterface } from "../../src/guest/cmd-interface.js";
import { CompletionEq } from "../../src/guest/completion-eq.js";
import { EventQueue } from "../../src/guest/event-queue.js";
import { Cpu } from "../../src/model/cpu.js";
import { IrqBus } from "../../src/model/irq-bus.js";

/** A device whose messages are delivered at once, or dropped while `dropping` is set. */
function setup() {
  const sim = new Simulation({ seed: 1 });
  const bus = new IrqBus();
  const raised: number[] = [];
  const state = { dropping: false };
  const device = {
    raise: (v: number) => {
      raised.push(sim.now);
      if (state.dropping) bus.emitDropped(v, sim.now);
      else bus.emitDelivered(v, sim.now);
    },
  };
  const cpu = new Cpu(sim, "test", sim.streams.get("cpu"));
  return { sim, bus, raised, state, device, cpu };
}

describe("EventQueue (an mlx5 EQ: one message per arm)", () => {
  it("raises once per arm; a lost message leaves it fired: later entries raise nothing until a poll", () => {
    const { bus, raised, state, device, cpu } = setup();
    const seen: string[] = [];
    const eq = new EventQueue<string>("cmd", device, 0, (e) => seen.push(e), bus, cpu);
    eq.enable();
    eq.post("a"); // delivered: the handler consumed it and re-armed
    expect(raised).toHaveLength(1);
    expect(seen).toEqual(["a"]);
    state.dropping = true;
    eq.post("b"); // the message is lost
    state.dropping = false;
    expect(eq.stuck).toBe(true);
    eq.post("c"); // the EQ is fired: no message
    expect(raised).toHaveLength(2);
    expect(seen).toEqual(["a"]);
    expect(eq.recover()).toBe(2); // mlx5_cmd_eq_recover
    expect(seen).toEqual(["a", "b", "c"]);
    expect(eq.stuck).toBe(false);
    eq.post("d");
    expect(raised).toHaveLength(3);
  });

  it("EQs on one vector: any delivered interrupt polls them all (the IRQ's notifier chain)", () => {
    const { bus, state, device, cpu } = setup();
    const seen: string[] = [];
    const cmd = new EventQueue<string>("cmd", device, 0, (e) => seen.push(e), bus, cpu);
    const async = new EventQueue<string>("async", device, 0, (e) => seen.push(e), bus, cpu);
    cmd.enable();
    async.enable();
    state.dropping = true;
    cmd.post("completion");
    state.dropping = false;
    expect(cmd.stuck).toBe(true);
    async.post("port change"); // armed: raises, delivered: both EQs poll
    expect(seen).toEqual(["completion", "port change"]);
    expect(cmd.stuck).toBe(false);
  });

  it("a disabled EQ raises nothing and forgets its entries", () => {
    const { bus, raised, device, cpu } = setup();
    const eq = new EventQueue<string>("async", device, 0, () => {}, bus, cpu);
    eq.post("x");
    expect(raised).toHaveLength(0);
    eq.enable(); // arming with an entry written raises at once
    expect(raised).toHaveLength(1);
    eq.disable();
    eq.post("y");
    expect(raised).toHaveLength(1);
  });
});

describe("CmdInterface (mlx5 cmd.c: completions on the command EQ)", () => {
  const timing = { exec: new FixedDist(100_000), timeout: 60 * S, recoverWait: 5 * S };

  function run(sim: Simulation, body: Generator<unknown, number, unknown>) {
    const out: { r?: number; at?: number } = {};
    spawn(
      sim,
      (function* () {
        const r: number = yield body as never;
        out.r = r;
        out.at = sim.now;
      })(),
    );
    return out;
  }

  it("a delivered completion ends the wait; polling mode needs no interrupt", () => {
    const { sim, bus, raised, device, cpu } = setup();
    const cmd = new CmdInterface(sim, device, 0, timing, sim.streams.get("cmd"), bus, cpu);
    const polled = run(sim, cmd.exec("CREATE_EQ"));
    sim.run({ until: MS });
    expect(polled).toEqual({ r: 0, at: 100_000 });
    expect(raised).toHaveLength(0);
    cmd.eq.enable();
    cmd.useEvents(true);
    const evented = run(sim, cmd.exec("QUERY"));
    sim.run({ until: 2 * MS });
    expect(evented).toEqual({ r: 0, at: MS + 100_000 });
    expect(raised).toHaveLength(1);
  });

  it("a lost completion stalls every command until the timeout's EQ poll recovers them all", () => {
    const { sim, bus, state, device, cpu } = setup();
    const cmd = new CmdInterface(sim, device, 0, timing, sim.streams.get("cmd"), bus, cpu);
    cmd.eq.enable();
    cmd.useEvents(true);
    state.dropping = true;
    const first = run(sim, cmd.exec("A"));
    sim.run({ until: MS });
    state.dropping = false;
    const second = run(sim, cmd.exec("B")); // its EQE lands on the fired EQ
    sim.run({ until: 30 * S });
    expect(first.r).toBeUndefined();
    expect(second.r).toBeUndefined();
    expect(cmd.waiting).toBe(2);
    sim.run({ until: 70 * S });
    // wait_func times A out at 60 s, mlx5_cmd_eq_recover finds both EQEs: "recovered after timeout".
    expect(first).toEqual({ r: 0, at: 60 * S });
    expect(second).toEqual({ r: 0, at: 60 * S });
    expect(cmd.timeouts).toBe(1);
    expect(cmd.recovered).toBe(1);
    expect(cmd.eq.recovered).toBe(1);
  });

  it("a reset function completes nothing: -ETIMEDOUT after timeout + recover wait; the error state fails fast", () => {
    const { sim, bus, device, cpu } = setup();
    const cmd = new CmdInterface(sim, device, 0, timing, sim.streams.get("cmd"), bus, cpu);
    cmd.eq.enable();
    cmd.useEvents(true);
    cmd.deviceReset();
    const lost = run(sim, cmd.exec("A"));
    sim.run({ until: 70 * S });
    expect(lost).toEqual({ r: -110, at: 65 * S });
    expect(cmd.failed).toBe(1);
    const waiting = run(sim, cmd.exec("B"));
    sim.run({ until: 71 * S });
    cmd.enterErrorState(); // mlx5_cmd_flush
    sim.run({ until: 72 * S });
    expect(waiting.r).toBe(-5);
    const fast = run(sim, cmd.exec("C"));
    sim.run({ until: 73 * S });
    expect(fast).toEqual({ r: -5, at: 72 * S });
  });
});

describe("CompletionEq", () => {
  it("fires on a lost message, stays fired across channels, re-arms only on a poll", () => {
    const { bus, cpu } = setup();
    const eq = new CompletionEq(2, 3, bus, cpu);
    bus.emitDropped(3, 0); // not created yet: nothing
    expect(eq.fired).toBe(false);
    eq.create();
    bus.emitDropped(3, 0);
    expect(eq.fired).toBe(true);
    expect(eq.pollIrqDisabled()).toBe(1); // mlx5_eq_poll_irq_disabled
    expect(eq.pollIrqDisabled()).toBe(0);
    expect(eq.rearms).toBe(1);
    bus.emitDropped(3, 0);
    eq.destroy();
    expect(eq.fired).toBe(false);
  });
});
