import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  defineKind,
  Interrupt,
  Lock,
  Priority,
  type Process,
  type ProcessBody,
  Signal,
  Simulation,
  sleep,
  spawn,
  waitFor,
} from "../../src/engine/index.js";

// A process step whose wake-up is the next event runs in place (Simulation.runNextInPlace):
// without the queue, but at the same time, in the same order, counted and fingerprinted as if
// it had been dispatched. step() never runs anything in place, so driving a simulation with
// step() gives the reference trajectory.

type Log = Array<[number, string]>;

/** Runs `build` twice, once with run() and once one step() at a time; both must agree. */
function bothWays(build: (sim: Simulation, log: Log) => void): {
  log: Log;
  sim: Simulation;
  ref: Simulation;
} {
  const sim = new Simulation({ seed: 7 });
  const log: Log = [];
  build(sim, log);
  sim.run();
  const ref = new Simulation({ seed: 7 });
  const refLog: Log = [];
  build(ref, refLog);
  while (ref.step()) {}
  expect(log).toEqual(refLog);
  expect(sim.dispatched).toBe(ref.dispatched);
  expect(sim.fingerprint.hex()).toBe(ref.fingerprint.hex());
  expect(sim.now).toBe(ref.now);
  expect(ref.inPlace).toBe(0);
  return { log, sim, ref };
}

describe("steps run in place", () => {
  it("a lone process's sleeps skip the queue, with the same times, count and fingerprint", () => {
    const { log, sim } = bothWays((sim, log) => {
      spawn(
        sim,
        (function* (): ProcessBody {
          for (let i = 0; i < 5; i++) {
            yield 10 * (i + 1);
            log.push([sim.now, `step ${i}`]);
          }
        })(),
      );
    });
    expect(log.map((x) => x[0])).toEqual([10, 30, 60, 100, 150]);
    // The start is a queue event; the five sleeps run in place.
    expect(sim.inPlace).toBe(5);
    expect(sim.dispatched).toBe(6);
  });

  it("a pending event at the wake-up instant runs first if its priority is lower or equal", () => {
    const { log, sim } = bothWays((sim, log) => {
      const at = (label: string) => () => log.push([sim.now, label]);
      sim.schedule(10, at("urgent"), Priority.URGENT);
      sim.schedule(10, at("normal, scheduled first"), Priority.NORMAL);
      sim.schedule(10, at("late"), Priority.LATE);
      spawn(
        sim,
        (function* (): ProcessBody {
          yield 10; // wakes at (10, NORMAL) with the highest sequence number
          log.push([sim.now, "process"]);
        })(),
      );
    });
    expect(log).toEqual([
      [10, "urgent"],
      [10, "normal, scheduled first"],
      [10, "process"],
      [10, "late"],
    ]);
    expect(sim.inPlace).toBe(0);
  });

  it("a wake-up before a pending LATE event at the same instant runs in place", () => {
    const { log, sim } = bothWays((sim, log) => {
      sim.schedule(10, () => log.push([sim.now, "late"]), Priority.LATE);
      spawn(
        sim,
        (function* (): ProcessBody {
          yield 3;
          log.push([sim.now, "a"]);
          yield 7;
          log.push([sim.now, "b"]);
          yield 0;
          log.push([sim.now, "c"]);
        })(),
      );
    });
    expect(log).toEqual([
      [3, "a"],
      [10, "b"],
      [10, "c"],
      [10, "late"],
    ]);
    expect(sim.inPlace).toBe(3);
  });

  it("sees the events the process itself scheduled before it sleeps", () => {
    const { log } = bothWays((sim, log) => {
      spawn(
        sim,
        (function* (): ProcessBody {
          sim.schedule(5, () => log.push([sim.now, "scheduled before the sleep"]));
          sim.schedule(5, () => log.push([sim.now, "same instant, LATE"]), Priority.LATE);
          yield 5; // (5, NORMAL) comes after the NORMAL event scheduled first
          log.push([sim.now, "process"]);
          yield 1;
          log.push([sim.now, "process again"]);
        })(),
      );
    });
    expect(log).toEqual([
      [5, "scheduled before the sleep"],
      [5, "process"],
      [5, "same instant, LATE"],
      [6, "process again"],
    ]);
  });

  it("ignores cancelled events, and a cancelled event never runs", () => {
    const { log, sim } = bothWays((sim, log) => {
      const early = sim.schedule(2, () => log.push([sim.now, "cancelled"]));
      spawn(
        sim,
        (function* (): ProcessBody {
          sim.cancel(early);
          const mine = sim.schedule(1, () => log.push([sim.now, "also cancelled"]));
          sim.cancel(mine);
          yield 5;
          log.push([sim.now, "woke"]);
        })(),
      );
    });
    expect(log).toEqual([[5, "woke"]]);
    expect(sim.inPlace).toBe(1);
    expect(sim.pending).toBe(0);
  });

  it("does not run a sleep in place when an interrupt comes first, before or at the wake-up", () => {
    for (const [delay, priority, expected] of [
      [4, Priority.NORMAL, "interrupted at 4"],
      [10, Priority.URGENT, "interrupted at 10"],
      [10, Priority.NORMAL, "interrupted at 10"],
    ] as const) {
      const { log } = bothWays((sim, log) => {
        const p = spawn(
          sim,
          (function* (): ProcessBody {
            try {
              yield 10;
              log.push([sim.now, "slept"]);
            } catch (e) {
              if (!(e instanceof Interrupt)) throw e;
              log.push([sim.now, `interrupted at ${sim.now}`]);
            }
          })(),
        );
        // Scheduled before the process starts, so it precedes a wake-up at the same priority.
        sim.schedule(delay, () => p.interrupt("stop"), priority);
      });
      expect(log).toEqual([[delay, expected]]);
    }
  });

  it("an interrupt after the wake-up (LATE at that instant) finds the process in its next wait", () => {
    const { log, sim } = bothWays((sim, log) => {
      const p = spawn(
        sim,
        (function* (): ProcessBody {
          yield 10;
          log.push([sim.now, "slept"]);
          try {
            yield 100;
            log.push([sim.now, "slept again"]);
          } catch (e) {
            if (!(e instanceof Interrupt)) throw e;
            log.push([sim.now, "interrupted"]);
          }
        })(),
      );
      sim.schedule(10, () => p.interrupt("stop"), Priority.LATE);
    });
    expect(log).toEqual([
      [10, "slept"],
      [10, "interrupted"],
    ]);
    expect(sim.inPlace).toBe(1);
    expect(sim.pending).toBe(0);
  });

  it("resumes in place on a signal that has already fired, a finished process, a free lock", () => {
    const { log, sim } = bothWays((sim, log) => {
      const sig = new Signal<number>(sim);
      sig.fire(42);
      const lock = new Lock(sim);
      const child = spawn(
        sim,
        (function* (): ProcessBody<string> {
          yield 0;
          return "child";
        })(),
      );
      spawn(
        sim,
        (function* (): ProcessBody {
          yield 1; // the child has finished by now
          const v = (yield sig) as number;
          const r = yield waitFor(sig, 50);
          const c = (yield child) as string;
          yield lock.acquire();
          log.push([sim.now, `${v} ${JSON.stringify(r)} ${c} ${lock.locked}`]);
          lock.release();
        })(),
      );
    });
    expect(log).toEqual([[1, '42 {"fired":true,"value":42} child true']]);
    // The four resumptions; neither sleep (each waits behind the other process's event).
    expect(sim.inPlace).toBe(4);
  });

  it("stops at run()'s until: a later wake-up stays queued and runs on the next run()", () => {
    const sim = new Simulation();
    const log: Log = [];
    spawn(
      sim,
      (function* (): ProcessBody {
        yield 10;
        log.push([sim.now, "a"]);
        yield 10;
        log.push([sim.now, "b"]);
      })(),
    );
    expect(sim.run({ until: 15 })).toBe("until");
    expect(sim.now).toBe(15);
    expect(log).toEqual([[10, "a"]]);
    expect(sim.pending).toBe(1);
    sim.run({ until: 20 }); // an event at exactly `until` runs
    expect(log).toEqual([
      [10, "a"],
      [20, "b"],
    ]);
  });

  it("does not run in place after stop()", () => {
    const sim = new Simulation();
    const log: Log = [];
    spawn(
      sim,
      (function* (): ProcessBody {
        yield 1;
        sim.stop();
        yield 1;
        log.push([sim.now, "after stop"]);
      })(),
    );
    expect(sim.run()).toBe("stopped");
    expect(log).toEqual([]);
    expect(sim.now).toBe(1);
    sim.run();
    expect(log).toEqual([[2, "after stop"]]);
  });

  it("leaves a bad sleep to schedule(), which rejects it", () => {
    const sim = new Simulation();
    spawn(
      sim,
      (function* (): ProcessBody {
        yield -5;
      })(),
    );
    expect(() => sim.run()).toThrow(/delay -5/);
    expect(sim.now).toBe(0);
  });

  it("random processes, signals, interrupts and data events: same trajectory either way", () => {
    const kinds = [defineKind("test", "a"), defineKind("test", "b")];
    const opArb = fc.oneof(
      fc.record({ op: fc.constant("sleep" as const), d: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ op: fc.constant("fire" as const), s: fc.nat(3) }),
      fc.record({ op: fc.constant("wait" as const), s: fc.nat(3) }),
      fc.record({
        op: fc.constant("waitFor" as const),
        s: fc.nat(3),
        d: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({ op: fc.constant("interrupt" as const), p: fc.nat(3) }),
      fc.record({ op: fc.constant("draw" as const) }),
      fc.record({
        op: fc.constant("event" as const),
        d: fc.integer({ min: 0, max: 30 }),
        pri: fc.constantFrom(Priority.URGENT, Priority.NORMAL, Priority.LATE),
        k: fc.nat(1),
        cancel: fc.boolean(),
      }),
    );
    let inPlace = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(opArb, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }),
        (scripts, ticks) => {
          const { sim } = bothWays((sim, log) => {
            const signals = [0, 1, 2, 3].map((i) => new Signal<number>(sim, `s${i}`));
            const rng = sim.streams.get("test");
            const procs: Process<unknown>[] = [];
            scripts.forEach((ops, pi) => {
              procs.push(
                spawn(
                  sim,
                  (function* (): ProcessBody {
                    for (const [i, o] of ops.entries()) {
                      const tag = `p${pi}.${i}`;
                      try {
                        if (o.op === "sleep") yield sleep(o.d);
                        else if (o.op === "fire") signals[o.s]!.fire(i);
                        else if (o.op === "wait") yield signals[o.s]!;
                        else if (o.op === "waitFor") yield waitFor(signals[o.s]!, o.d);
                        else if (o.op === "interrupt") procs[o.p]?.interrupt(tag);
                        else if (o.op === "draw") log.push([sim.now, `${tag} ${rng.next()}`]);
                        else {
                          const h = sim.schedule(
                            o.d,
                            () => log.push([sim.now, `${tag} event`]),
                            o.pri,
                            kinds[o.k],
                          );
                          if (o.cancel) sim.cancel(h);
                        }
                      } catch (e) {
                        if (!(e instanceof Interrupt)) throw e;
                        log.push([sim.now, `${tag} interrupted by ${String(e.cause)}`]);
                      }
                      log.push([sim.now, tag]);
                    }
                  })(),
                  `p${pi}`,
                ),
              );
            });
            // Data-path ticks at LATE, and signal fires from plain events.
            for (const [j, t] of ticks.entries()) {
              sim.schedule(t, () => log.push([sim.now, `tick ${j}`]), Priority.LATE);
              sim.schedule(t, () => signals[j % 4]!.fire(-j));
            }
          });
          inPlace += sim.inPlace;
        },
      ),
      { numRuns: 300 },
    );
    expect(inPlace).toBeGreaterThan(100);
  });
});
