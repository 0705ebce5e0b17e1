import { describe, expect, it } from "vitest";
import {
  type Interrupt,
  NO_WAIT,
  type ProcessBody,
  Signal,
  Simulation,
  sleep,
  spawn,
  type WaitResult,
  waitFor,
} from "../../src/engine/index.js";

describe("processes", () => {
  it("sleeps for exact durations", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    spawn(
      sim,
      (function* (): ProcessBody {
        seen.push(sim.now);
        yield sleep(10);
        seen.push(sim.now);
        yield sleep(0);
        seen.push(sim.now);
        yield sleep(25);
        seen.push(sim.now);
      })(),
    );
    sim.run();
    expect(seen).toEqual([0, 10, 10, 35]);
  });

  it("NO_WAIT continues at once: no event, no time, and a zero sleep is still an event", () => {
    const sim = new Simulation();
    const order: string[] = [];
    spawn(
      sim,
      (function* (): ProcessBody {
        const v = yield NO_WAIT;
        order.push(`a:${String(v)}@${sim.now}`);
        yield 0;
        order.push(`a2@${sim.now}`);
      })(),
    );
    // Started second, so it runs after the first one's first step: a NO_WAIT does not let it
    // in, the zero sleep does.
    spawn(
      sim,
      (function* (): ProcessBody {
        order.push(`b@${sim.now}`);
        yield NO_WAIT;
      })(),
    );
    sim.run();
    expect(order).toEqual(["a:undefined@0", "b@0", "a2@0"]);
    // Two process starts, one zero sleep: the NO_WAIT dispatched nothing.
    expect(sim.dispatched).toBe(3);
  });

  it("waits for a signal and receives its value", () => {
    const sim = new Simulation();
    const sig = new Signal<string>(sim, "done");
    let got: string | undefined;
    let at = -1;
    spawn(
      sim,
      (function* (): ProcessBody {
        got = yield sig;
        at = sim.now;
      })(),
    );
    sim.schedule(40, () => sig.fire("hello"));
    sim.run();
    expect(got).toBe("hello");
    expect(at).toBe(40);
  });

  it("waitFor reports a signal that fires before the timeout", () => {
    const sim = new Simulation();
    const sig = new Signal<number>(sim);
    let r: WaitResult<number> | undefined;
    spawn(
      sim,
      (function* (): ProcessBody {
        r = yield waitFor(sig, 100);
      })(),
    );
    sim.schedule(30, () => sig.fire(7));
    sim.run();
    expect(r).toEqual({ fired: true, value: 7 });
    expect(sim.now).toBe(30); // the timeout was cancelled, not left to run at 100
  });

  it("waitFor reports a timeout, and a later fire does not resume it twice", () => {
    const sim = new Simulation();
    const sig = new Signal<number>(sim);
    const results: Array<[number, WaitResult<number>]> = [];
    spawn(
      sim,
      (function* (): ProcessBody {
        const r = (yield waitFor(sig, 100)) as WaitResult<number>;
        results.push([sim.now, r]);
        yield sleep(500);
        results.push([sim.now, { fired: true, value: -1 }]);
      })(),
    );
    sim.schedule(150, () => sig.fire(7));
    sim.run();
    expect(results).toEqual([
      [100, { fired: false }],
      [600, { fired: true, value: -1 }],
    ]);
  });

  it("waitFor on an already fired signal resumes at once", () => {
    const sim = new Simulation();
    const sig = new Signal<number>(sim);
    sig.fire(3);
    let r: WaitResult<number> | undefined;
    spawn(
      sim,
      (function* (): ProcessBody {
        yield sleep(5);
        r = yield waitFor(sig, 100);
      })(),
    );
    sim.run();
    expect(r).toEqual({ fired: true, value: 3 });
    expect(sim.now).toBe(5);
  });

  it("spawns children and joins them with their results", () => {
    const sim = new Simulation();
    let total = 0;
    const child = (d: number): ProcessBody<number> =>
      (function* () {
        yield sleep(d);
        return d * 2;
      })();
    spawn(
      sim,
      (function* (): ProcessBody {
        const a = spawn(sim, child(10));
        const b = spawn(sim, child(30));
        total += (yield b) as number;
        total += (yield a) as number; // already finished: resumes at once
        expect(sim.now).toBe(30);
      })(),
    );
    sim.run();
    expect(total).toBe(80);
  });

  it("interrupts a sleeping process, which may catch it and go on", () => {
    const sim = new Simulation();
    const log: string[] = [];
    const p = spawn(
      sim,
      (function* (): ProcessBody {
        try {
          yield sleep(1000);
          log.push("woke normally");
        } catch (e) {
          log.push(`interrupted at ${sim.now} by ${(e as Interrupt).cause}`);
        }
        yield sleep(5);
        log.push(`done at ${sim.now}`);
      })(),
    );
    sim.schedule(200, () => p.interrupt("reset"));
    sim.run();
    expect(log).toEqual(["interrupted at 200 by reset", "done at 205"]);
    expect(p.finished).toBe(true);
    expect(p.interrupted).toBe(false);
  });

  it("an uncaught interrupt ends the process and fires its done signal", () => {
    const sim = new Simulation();
    const sig = new Signal<void>(sim);
    let after = false;
    const p = spawn(
      sim,
      (function* (): ProcessBody {
        yield sig;
        after = true;
      })(),
    );
    let joinedAt = -1;
    spawn(
      sim,
      (function* (): ProcessBody {
        yield p;
        joinedAt = sim.now;
      })(),
    );
    sim.schedule(50, () => p.interrupt());
    sim.schedule(60, () => sig.fire());
    sim.run();
    expect(after).toBe(false);
    expect(p.interrupted).toBe(true);
    expect(joinedAt).toBe(50);
    p.interrupt(); // finished: ignored
  });

  it("interrupting a waitFor cancels its timeout", () => {
    const sim = new Simulation();
    const sig = new Signal<void>(sim);
    const p = spawn(
      sim,
      (function* (): ProcessBody {
        yield waitFor(sig, 1000);
      })(),
    );
    sim.schedule(10, () => p.interrupt());
    sim.run();
    expect(p.interrupted).toBe(true);
    expect(sim.now).toBe(10);
  });

  it("rejects a yield of something that is not a command", () => {
    const sim = new Simulation();
    spawn(
      sim,
      (function* (): ProcessBody {
        yield "soon" as never;
      })(),
    );
    expect(() => sim.run()).toThrow(/not a command/);
  });

  it("runs yielded generators as nested calls: return values, errors, interrupts", () => {
    const sim = new Simulation();
    const log: string[] = [];
    function* inner(x: number): ProcessBody<number> {
      yield 10; // a bare number sleeps that many ns
      if (x < 0) throw new Error(`bad ${x}`);
      return x * 2;
    }
    function* middle(x: number): ProcessBody<number> {
      const a = (yield inner(x)) as number;
      const b = (yield inner(a)) as number;
      return b + 1;
    }
    const p = spawn(
      sim,
      (function* (): ProcessBody<string> {
        const r = (yield middle(3)) as number;
        log.push(`r=${r} at ${sim.now}`);
        try {
          yield middle(-1);
        } catch (e) {
          log.push(`caught ${(e as Error).message} at ${sim.now}`);
        }
        try {
          yield middle(1); // interrupted while sleeping two calls deep
        } catch (e) {
          log.push(`interrupted: ${(e as Interrupt).cause} at ${sim.now}`);
        }
        return "ok";
      })(),
    );
    sim.schedule(35, () => p.interrupt("stop"));
    sim.run();
    expect(log).toEqual(["r=13 at 20", "caught bad -1 at 30", "interrupted: stop at 35"]);
    expect(p.done.value).toBe("ok");
  });

  it("runs a hand-written iterator (next and throw, not a generator) as a nested call", () => {
    const sim = new Simulation();
    const log: string[] = [];
    // Sleeps 5 ns, then returns what it was sent plus one; a throw into it is caught and
    // turned into a return of -1. As a generator would, but written out.
    function counter(): Generator<number, number, unknown> {
      let step = 0;
      const it = {
        next(v: unknown): IteratorResult<number, number> {
          step++;
          return step === 1 ? { done: false, value: 5 } : { done: true, value: Number(v ?? 0) + 1 };
        },
        throw(): IteratorResult<number, number> {
          return { done: true, value: -1 };
        },
        return(v: number): IteratorResult<number, number> {
          return { done: true, value: v };
        },
        [Symbol.iterator]() {
          return it;
        },
      };
      return it as unknown as Generator<number, number, unknown>;
    }
    const p = spawn(
      sim,
      (function* (): ProcessBody<string> {
        const r = (yield counter()) as number;
        log.push(`r=${r} at ${sim.now}`);
        const q = (yield counter()) as number;
        log.push(`q=${q} at ${sim.now}`);
        return "ok";
      })(),
    );
    sim.run();
    // The sleep's resume sends undefined: 0 + 1.
    expect(log).toEqual(["r=1 at 5", "q=1 at 10"]);
    expect(p.done.value).toBe("ok");
    // A hand-written body also runs.
    const sim2 = new Simulation();
    const q = spawn(sim2, counter() as unknown as ProcessBody<number>);
    sim2.run();
    expect(q.done.value).toBe(1);
    expect(sim2.now).toBe(5);
  });

  it("propagates other errors out of run()", () => {
    const sim = new Simulation();
    spawn(
      sim,
      (function* (): ProcessBody {
        yield sleep(1);
        throw new Error("boom");
      })(),
    );
    expect(() => sim.run()).toThrow("boom");
  });
});

describe("Lock", () => {
  it("grants in FIFO order and serialises critical sections", async () => {
    const { Lock } = await import("../../src/engine/index.js");
    const sim = new Simulation();
    const lock = new Lock(sim, "rtnl");
    const log: string[] = [];
    const worker = (name: string, start: number, hold: number): ProcessBody =>
      (function* () {
        yield sleep(start);
        yield lock.acquire();
        log.push(`${name}+${sim.now}`);
        yield sleep(hold);
        log.push(`${name}-${sim.now}`);
        lock.release();
      })();
    spawn(sim, worker("a", 0, 10));
    spawn(sim, worker("b", 1, 5));
    spawn(sim, worker("c", 2, 1));
    sim.run();
    expect(log).toEqual(["a+0", "a-10", "b+10", "b-15", "c+15", "c-16"]);
    expect(lock.locked).toBe(false);
    expect(() => lock.release()).toThrow(/not held/);
  });
});
