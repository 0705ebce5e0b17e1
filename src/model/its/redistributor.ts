import { defineKind, Priority, type Simulation, type Time } from "../../engine/index.js";
import { zeroedF64, zeroedI32, zeroedU8 } from "../../engine/typed-arrays.js";
import type { InterruptAccounting } from "../accounting.js";
import { Cause } from "../outcomes.js";
import { type Timeline, Track } from "../timeline.js";

/** The CPU side that takes an LPI: genirq's flow handler for it. */
export interface LpiHandler {
  handleLpi(lpi: number, vector: number, raisedAt: Time): void;
}

const TAKE = defineKind("gic", "lpi-take");
const NOT_DUE = -1;

/**
 * LPI state at the redistributors: the property-table enable bit and the one the GIC applies
 * (after invalidation),
 * one pending bit per LPI, and the CPU taking a pending, enabled LPI after a fixed latency.
 * A pending LPI whose ITT entry is DISCARDed is lost (qemu process_its_cmd, gem5 discard).
 */
export class Redistributor {
  /** The enable bit in the LPI property table (memory). */
  private configured = new Uint8Array(0);
  /** The enable bit as the redistributor applies it (after invalidation). */
  private enabled = new Uint8Array(0);
  private pending = new Uint8Array(0);
  private pendingVector = new Int32Array(0);
  private pendingRaisedAt = new Float64Array(0);
  /** When the pending LPI will be taken, or NOT_DUE while it waits to be enabled. */
  private due = new Float64Array(0);
  private readonly takeFn = (lpi: number): void => this.take(lpi);
  handler: LpiHandler | null = null;

  constructor(
    private readonly sim: Simulation,
    private readonly takeLatency: Time,
    private readonly acct: InterruptAccounting,
    private readonly timeline: Timeline,
    private readonly lpiBase: number,
  ) {}

  /** An MSI translated to `lpi` (data path). */
  setPending(lpi: number, vector: number, raisedAt: Time): void {
    const i = this.slot(lpi);
    if (this.pending[i] === 1) {
      this.acct.coalesce(vector, this.sim.now);
      return;
    }
    this.pending[i] = 1;
    this.pendingVector[i] = vector;
    this.pendingRaisedAt[i] = raisedAt;
    if (this.enabled[i] === 1) this.scheduleTake(lpi, i);
    else this.due[i] = NOT_DUE;
  }

  /** Writes the LPI's enable bit in the property table; it takes effect on invalidate(). */
  writeProperty(lpi: number, on: boolean): void {
    this.configured[this.slot(lpi)] = on ? 1 : 0;
  }

  /** Invalidates the cached configuration (INV command or GICR_INVLPIR): the bit takes effect. */
  invalidate(lpi: number): void {
    const i = this.slot(lpi);
    const on = this.configured[i] === 1;
    this.enabled[i] = on ? 1 : 0;
    this.timeline.set(Track.LPI_ENABLED, lpi, this.sim.now, on ? 1 : 0);
    if (on && this.pending[i] === 1 && this.due[i] === NOT_DUE) this.scheduleTake(lpi, i);
  }

  /** DISCARD of the ITT entry that maps to `lpi`: a pending LPI is lost. */
  discard(lpi: number): void {
    const i = this.slot(lpi);
    this.timeline.mark(Track.LPI_DISCARD, lpi, this.sim.now);
    if (this.pending[i] === 1) {
      this.pending[i] = 0;
      this.acct.drop(
        this.pendingVector[i]!,
        Cause.DISCARDED_WHILE_PENDING,
        this.pendingRaisedAt[i]!,
        this.sim.now,
      );
    }
  }

  /** Adds the LPIs still pending, per vector (for the end-of-run count). */
  addPending(perVector: Float64Array): void {
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pending[i] === 1) perVector[this.pendingVector[i]!]!++;
    }
  }

  private scheduleTake(lpi: number, i: number): void {
    this.due[i] = this.sim.now + this.takeLatency;
    this.sim.schedule(this.takeLatency, this.takeFn, Priority.LATE, TAKE, lpi);
  }

  private take(lpi: number): void {
    const i = this.slot(lpi);
    if (this.pending[i] !== 1 || this.due[i] !== this.sim.now) return; // discarded, or stale
    if (this.enabled[i] !== 1) {
      this.due[i] = NOT_DUE; // disabled meanwhile: wait for the enable
      return;
    }
    this.pending[i] = 0;
    this.handler!.handleLpi(lpi, this.pendingVector[i]!, this.pendingRaisedAt[i]!);
  }

  private slot(lpi: number): number {
    const i = lpi - this.lpiBase;
    if (i >= this.pending.length) this.grow(i + 1);
    return i;
  }

  private grow(min: number): void {
    const n = Math.max(min, this.pending.length * 2, 64);
    const g = <T extends Uint8Array | Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a as never);
      return b;
    };
    this.configured = g(this.configured, zeroedU8(n));
    this.enabled = g(this.enabled, zeroedU8(n));
    this.pending = g(this.pending, zeroedU8(n));
    this.pendingVector = g(this.pendingVector, zeroedI32(n));
    this.pendingRaisedAt = g(this.pendingRaisedAt, zeroedF64(n));
    this.due = g(this.due, zeroedF64(n));
  }
}
