import { defineKind, type EventHandle, Priority } from "./event.js";
import type { Simulation } from "./simulation.js";
import type { Time } from "./time.js";

/**
 * SimPy-style processes for scripted control flow. A process is a generator that yields
 * commands; the kernel resumes it when the command completes:
 *   yield sleep(5 * US)                        resumes after 5 us
 *   const v = yield signal                     resumes when the signal fires, with its value
 *   const r = yield waitFor(signal, 1 * MS)    r.fired says whether it fired or timed out
 *   const v = yield otherProcess               resumes when that process ends, with its result
 * High-rate sources should use plain `schedule` callbacks instead: they allocate nothing.
 */
export type Command = Sleep | WaitFor<unknown> | Signal<unknown> | Process<unknown>;
// The value sent back into a generator depends on the command it yielded, so it is `any`.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type ProcessBody<R = void> = Generator<Command, R, any>;

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

  constructor(
    private readonly sim: Simulation,
    private readonly body: ProcessBody<R>,
    readonly name = "process",
  ) {
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
    let step: IteratorResult<Command, R>;
    try {
      step = w.throws ? this.body.throw(w.value) : this.body.next(w.value);
    } catch (e) {
      if (e instanceof Interrupt) {
        this.interrupted = true;
        this.finish(undefined);
        return;
      }
      throw e;
    }
    if (step.done) this.finish(step.value);
    else this.await(step.value);
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

  private await(cmd: Command): void {
    const sim = this.sim;
    const epoch = this.epoch;
    if (cmd instanceof Signal) {
      this.awaitSignal(cmd, epoch, false);
      return;
    }
    if (cmd instanceof Process) {
      this.awaitSignal(cmd.done, epoch, false);
      return;
    }
    if (cmd !== null && typeof cmd === "object" && "sleep" in cmd) {
      this.timer = this.wakeAt(sim, cmd.sleep, Priority.NORMAL, epoch, undefined, false);
      return;
    }
    if (cmd !== null && typeof cmd === "object" && "waitFor" in cmd) {
      this.awaitSignal(cmd.waitFor, epoch, true);
      if (!cmd.waitFor.fired) {
        const timedOut: WaitResult<unknown> = { fired: false };
        this.timer = this.wakeAt(sim, cmd.timeout, Priority.NORMAL, epoch, timedOut, false);
      }
      return;
    }
    const err = new TypeError(`process ${this.name} yielded ${String(cmd)}, not a command`);
    this.wakeAt(sim, 0, Priority.URGENT, epoch, err, true);
  }

  private awaitSignal(signal: Signal<unknown>, epoch: number, asResult: boolean): void {
    if (signal.fired) {
      const v = asResult ? { fired: true, value: signal.value } : signal.value;
      this.wakeAt(this.sim, 0, Priority.URGENT, epoch, v, false);
    } else {
      signal.addWaiter(this as Process<unknown>, epoch, asResult);
    }
  }
}

/** Starts a process at the current instant. */
export function spawn<R>(sim: Simulation, body: ProcessBody<R>, name?: string): Process<R> {
  return new Process(sim, body, name);
}
