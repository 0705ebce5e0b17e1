import {
  type Distribution,
  NO_WAIT,
  type ProcessBody,
  type RandomStream,
  type Simulation,
  type TraceFields,
} from "../engine/index.js";

/** A control-plane step: a generator that the engine runs as (part of) a process. */
export type Step<T = void> = ProcessBody<T>;

/**
 * Modelled CPU time and tracing for one layer (host kernel, QEMU, guest). Each step's cost is a
 * parameter; spend() draws it from the layer's own random stream.
 */
export class Cpu {
  /** Tracing is on: callers guard log() with it so that no fields object is built otherwise. */
  readonly on: boolean;

  constructor(
    readonly sim: Simulation,
    readonly component: string,
    private readonly rng: RandomStream,
  ) {
    this.on = sim.trace !== null;
  }

  /** `yield cpu.spend(cost)`: a sleep of the drawn cost (a bare number), or no wait at all. */
  spend(cost: Distribution): number {
    const ns = cost.sample(this.rng);
    return ns > 0 ? ns : NO_WAIT;
  }

  /** A trace record, e.g. log("MAPTI", { dev, event, lpi, fn: "its_irq_domain_activate" }). */
  log(kind: string, fields?: TraceFields): void {
    const tr = this.sim.trace;
    if (tr !== null) tr.record(this.sim.now, this.component, kind, fields);
  }
}
