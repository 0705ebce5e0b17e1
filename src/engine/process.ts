import { defineKind, type EventHandle, Priority } from "./event.js";
import type { Simulation } from "./simulation.js";
import type { Time } from "./time.js";

/**
 * SimPy-style processes for scripted control flow. A process is a generator that yields
 * commands; the kernel resumes it when the command completes:
 *   yield sleep(5 * US)  or  yield 5 * US      resumes after 5 us
 *   const r = yield subStep()                  runs another generator as a nested call
 *   const v = yield signal                     resumes when the signal fires, with its value
 *   const r = yield waitFor(signal, 1 * MS)    r.fired says whether it fired or timed out
 *   const v = yield otherProcess               resumes when that process ends, with its result
 * High-rate sources should use plain `schedule` callbacks instead: they allocate nothing.
 */
export type Command =
  | number
  | Sleep
  | WaitFor<unknown>
  | Signal<unknown>
  | Process<unknown>
  | Generator<Command, unknown, unknown>;
// The value sent back into a generator depends on the command it yielded, so it is `any`.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type ProcessBody<R = void> = Generator<Command, R, any>;

/**
 * Yielded, resumes the process at once with undefined: no event, no wait. It lets a step that
 * usually sleeps (a drawn CPU cost) return its sleep as a plain number, and this when the draw
 * is zero, instead of being a nested generator that yields only sometimes.
 */
export const NO_WAIT = -1;

export interface Sleep {
  readonly sleep: Time;
}
export interface WaitFor<T> {
  readonly waitFor: Signal<T>;
  readonly timeout: Time;
}
export type WaitResult<T> = { fired: true; value: T } | { fired: false };

export function sleep(ns: Time): Sleep {
  return { sleep: ns };
}
export function waitFor<T>(signal: Signal<T>, timeout: Time): WaitFor<T> {
  return { waitFor: signal, timeout };
}

/** Thrown into a process by `interrupt(cause)`; uncaught, it ends the process quietly. */
export class Interrupt extends Error {
  constructor(override readonly cause: unknown) {
    super(`interrupted: ${String(cause)}`);
  }
}

const RESUME = defineKind("process", "resume");
const WAKE = defineKind("process", "wake");

interface Wakeup {
  readonly proc: Process<unknown>;
  readonly epoch: number;
  readonly value: unknown;
  readonly throws: boolean;
}

function wake(w: Wakeup): void {
  w.proc.resumeIfCurrent(w);
}

/** A one-shot signal: fires once with a value; waiting on a fired signal resumes at once. */
export class Signal<T = void> {
  fired = false;
  value: T | undefined = undefined;
  private waiters: Array<{ proc: Process<unknown>; epoch: number; asResult: boolean }> = [];

  constructor(
    private readonly sim: Simulation,
    readonly name = "signal",
  ) {}

  fire(value: T): void {
    if (this.fired) return;
    this.fired = true;
    this.value = value;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      const v = w.asResult ? { fired: true, value } : value;
      w.proc.wakeAt(this.sim, 0, Priority.URGENT, w.epoch, v, false);
    }
  }

  /** @internal */
  addWaiter(proc: Process<unknown>, epoch: number, asResult: boolean): void {
    this.waiters.push({ proc, epoch, asResult });
  }
}

export class Process<R = void> {
  /** Fires with the result when the body returns (undefined when it ended by interrupt). */
  readonly done: Signal<R | undefined>;
  finished = false;
  interrupted = false;
  private epoch = 0;
  private timer: EventHandle | null = null;
  /** The value a wait that ended in place (see await) resumes the body with. */
  private resumeWith: unknown = undefined;
  /**
   * The call stack of generators: a yielded generator is pushed and run, and its return value
   * is sent to the one below. Only the top is resumed, so a step deep in nested calls costs the
   * same as a shallow one (yield* would walk every level on every resume).
   */
  private readonly stack: Array<Generator<Command, unknown, unknown>>;

  constructor(
    private readonly sim: Simulation,
    body: ProcessBody<R>,
    readonly name = "process",
  ) {
    this.stack = [asGenerator(body) ?? (body as Generator<Command, unknown, unknown>)];
    this.done = new Signal<R | undefined>(sim, `${name}.done`);
    this.wakeAt(sim, 0, Priority.URGENT, this.epoch, undefined, false);
  }

  /** Throws Interrupt(cause) into the process at the current instant; a finished one ignores it. */
  interrupt(cause: unknown = "interrupt"): void {
    if (this.finished) return;
    this.invalidateWait();
    this.wakeAt(this.sim, 0, Priority.URGENT, this.epoch, new Interrupt(cause), true);
  }

  /** @internal */
  wakeAt(
    sim: Simulation,
    delay: Time,
    priority: number,
    epoch: number,
    value: unknown,
    throws: boolean,
  ): EventHandle {
    const w: Wakeup = { proc: this as Process<unknown>, epoch, value, throws };
    return sim.schedule(delay, wake, priority, delay === 0 ? RESUME : WAKE, w);
  }

  /** @internal Resumes unless the wakeup is stale (another wakeup already resumed this wait). */
  resumeIfCurrent(w: Wakeup): void {
    if (this.finished || w.epoch !== this.epoch) return;
    this.invalidateWait();
    this.advance(w.value, w.throws);
  }

  /** @internal The end of a sleep (its timer is cancelled if anything else resumes first). */
  resumeFromSleep(): void {
    this.timer = null;
    this.epoch++;
    this.advance(undefined, false);
  }

  /** Runs the top generator until it waits for something; nested calls run in the same step. */
  private advance(value: unknown, throws: boolean): void {
    const stack = this.stack;
    for (;;) {
      const gen = stack[stack.length - 1]!;
      let step: IteratorResult<Command, unknown>;
      try {
        step = throws ? GEN_THROW.call(gen, value) : GEN_NEXT.call(gen, value);
      } catch (e) {
        stack.pop();
        if (stack.length > 0) {
          value = e;
          throws = true;
          continue;
        }
        if (e instanceof Interrupt) {
          this.interrupted = true;
          this.finish(undefined);
          return;
        }
        throw e;
      }
      if (step.done) {
        stack.pop();
        if (stack.length === 0) {
          this.finish(step.value as R);
          return;
        }
        value = step.value;
        throws = false;
        continue;
      }
      const cmd = step.value;
      if (cmd === NO_WAIT) {
        value = undefined;
        throws = false;
        continue;
      }
      const nested = typeof cmd === "number" ? null : asGenerator(cmd);
      if (nested !== null) {
        stack.push(nested);
        value = undefined;
        throws = false;
        continue;
      }
      if (this.await(cmd)) {
        // The wake-up was the next event: it ran in place, continue the body now.
        value = this.resumeWith;
        this.resumeWith = undefined;
        throws = false;
        continue;
      }
      return;
    }
  }

  private invalidateWait(): void {
    this.epoch++;
    if (this.timer !== null) {
      this.sim.cancel(this.timer);
      this.timer = null;
    }
  }

  private finish(result: R | undefined): void {
    this.finished = true;
    this.done.fire(result);
  }

  /**
   * Starts waiting for `cmd`. Returns true when the wait is already over: its wake-up would
   * have been the next event dispatched, and the kernel ran it in place (runNextInPlace) —
   * most control-plane steps, a CPU cost that ends before the next interrupt or command
   * completion. The process then continues in the same dispatch, with `resumeWith`, exactly
   * as resumeFromSleep or resumeIfCurrent would have.
   */
  private await(cmd: Command): boolean {
    const sim = this.sim;
    const epoch = this.epoch;
    if (typeof cmd === "number") return this.sleepFor(cmd);
    if (cmd instanceof Signal) return this.awaitSignal(cmd, epoch, false);
    if (cmd instanceof Process) return this.awaitSignal(cmd.done, epoch, false);
    if (cmd !== null && typeof cmd === "object" && "sleep" in cmd) return this.sleepFor(cmd.sleep);
    if (cmd !== null && typeof cmd === "object" && "waitFor" in cmd) {
      if (this.awaitSignal(cmd.waitFor, epoch, true)) return true;
      if (!cmd.waitFor.fired) {
        const timedOut: WaitResult<unknown> = { fired: false };
        this.timer = this.wakeAt(sim, cmd.timeout, Priority.NORMAL, epoch, timedOut, false);
      }
      return false;
    }
    const err = new TypeError(`process ${this.name} yielded ${String(cmd)}, not a command`);
    this.wakeAt(sim, 0, Priority.URGENT, epoch, err, true);
    return false;
  }

  /** A sleep needs no wakeup object: the process itself is the event's argument. */
  private sleepFor(ns: Time): boolean {
    if (this.sim.runNextInPlace(ns, Priority.NORMAL, WAKE)) {
      // As resumeFromSleep (no timer was set).
      this.epoch++;
      this.resumeWith = undefined;
      return true;
    }
    this.timer = this.sim.schedule(ns, sleepDone, Priority.NORMAL, WAKE, this as Process<unknown>);
    return false;
  }

  private awaitSignal(signal: Signal<unknown>, epoch: number, asResult: boolean): boolean {
    if (signal.fired) {
      const v = asResult ? { fired: true, value: signal.value } : signal.value;
      if (this.sim.runNextInPlace(0, Priority.URGENT, RESUME)) {
        // As resumeIfCurrent: the epoch is current (nothing ran in between), no timer is set.
        this.epoch++;
        this.resumeWith = v;
        return true;
      }
      this.wakeAt(this.sim, 0, Priority.URGENT, epoch, v, false);
    } else {
      signal.addWaiter(this as Process<unknown>, epoch, asResult);
    }
    return false;
  }
}

function sleepDone(p: Process<unknown>): void {
  p.resumeFromSleep();
}

// Generators are resumed through the generator prototype's own next and throw: `gen.next(v)`
// looks `next` up on generators of a hundred generator functions (a hundred hidden classes, V8's
// slow megamorphic path) at every step; the builtin called directly took half the time.
type Gen = Generator<Command, unknown, unknown>;
const GENERATOR_PROTOTYPE = Object.getPrototypeOf(function* () {}).prototype as Gen;
const GEN_NEXT = GENERATOR_PROTOTYPE.next;
const GEN_THROW = GENERATOR_PROTOTYPE.throw;

/**
 * A yielded generator, to run as a nested call: a native one as it is; any other iterator with
 * next and throw through a native generator that delegates to it. Null for anything else.
 */
function asGenerator(x: unknown): Gen | null {
  if (x === null || typeof x !== "object") return null;
  const next = (x as Gen).next;
  if (next === GEN_NEXT) return x as Gen;
  if (typeof next === "function" && typeof (x as Gen).throw === "function") {
    return delegating(x as Gen);
  }
  return null;
}

function* delegating(it: Gen): Gen {
  return yield* it;
}

/** Starts a process at the current instant. */
export function spawn<R>(sim: Simulation, body: ProcessBody<R>, name?: string): Process<R> {
  return new Process(sim, body, name);
}
