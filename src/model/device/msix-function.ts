import { defineKind, Priority, type Simulation, type Time } from "../../engine/index.js";
import { zeroedF64, zeroedI32, zeroedU8 } from "../../engine/typed-arrays.js";
import type { InterruptAccounting } from "../accounting.js";
import { Cause } from "../outcomes.js";
import { type Timeline, Track } from "../timeline.js";

/** Where the function's MSI memory writes land: the ITS translation register (GITS_TRANSLATER). */
export interface MsiWriteSink {
  msiWrite(deviceId: number, eventId: number, vector: number, raisedAt: Time): void;
}

/** Told when an entry's message changes, so its translation can be re-evaluated. */
export interface MessageObserver {
  messageChanged(vector: number): void;
}

const REPLAY = defineKind("device", "pba-replay");

/**
 * The MSI-X capability of the physical function (PCI spec, as quoted by QEMU hw/pci/msix.c):
 * table entries (message, Mask bit), Function Mask, MSI-X Enable and the Pending Bit Array.
 * An event on vector v is dropped while Enable is clear, set pending (or coalesced into a set
 * pending bit) while the function or the entry is masked, and sent otherwise; a pending message
 * is sent when its vector becomes unmasked.
 */
export class MsixFunction {
  enable = false;
  functionMask = false;
  /** Mask bit per entry; 1 after reset (PCI spec). */
  readonly entryMask: Uint8Array;
  /** The EventID in the entry's data, or -1 for an all-zero message. */
  readonly eventId: Int32Array;
  readonly pba: Uint8Array;
  /** Raise time of the interrupt a pending bit stands for (for delivery latency). */
  readonly pbaRaisedAt: Float64Array;
  observer: MessageObserver | null = null;
  private readonly replayFn = (v: number): void => this.replay(v);

  constructor(
    private readonly sim: Simulation,
    readonly tableSize: number,
    readonly deviceId: number,
    readonly pbaSurvivesDisable: boolean,
    private readonly acct: InterruptAccounting,
    private readonly timeline: Timeline,
    private readonly sink: MsiWriteSink,
  ) {
    this.entryMask = zeroedU8(tableSize).fill(1);
    this.eventId = zeroedI32(tableSize).fill(-1);
    this.pba = zeroedU8(tableSize);
    this.pbaRaisedAt = zeroedF64(tableSize);
  }

  /** The device raises an event on vector v (data path, Priority.LATE). */
  raise(v: number): void {
    const now = this.sim.now;
    this.acct.raise(v);
    if (!this.enable) {
      this.acct.drop(v, Cause.MSIX_DISABLED, now, now);
    } else if (this.functionMask || this.entryMask[v] === 1) {
      if (this.pba[v] === 1) {
        this.acct.coalesce(v, now);
      } else {
        this.pba[v] = 1;
        this.pbaRaisedAt[v] = now;
      }
    } else {
      this.send(v, now);
    }
  }

  deliverable(v: number): boolean {
    return this.enable && !this.functionMask && this.entryMask[v] === 0;
  }

  // --- Configuration writes, from the host's PCI MSI core (control plane) ---

  /** A write of the Message Control register's Enable and Function Mask bits. */
  writeControl(enable: boolean, functionMask: boolean): void {
    const t = this.sim.now;
    if (this.enable && !enable && !this.pbaSurvivesDisable) this.dropAllPending();
    this.enable = enable;
    this.functionMask = functionMask;
    this.timeline.set(Track.ENABLE, 0, t, enable ? 1 : 0);
    this.timeline.set(Track.FMASK, 0, t, functionMask ? 1 : 0);
    if (this.deliverableAny()) for (let v = 0; v < this.tableSize; v++) this.scheduleReplay(v);
  }

  writeEntryMask(v: number, masked: boolean): void {
    this.checkVector(v);
    this.entryMask[v] = masked ? 1 : 0;
    this.timeline.set(Track.MASK, v, this.sim.now, masked ? 1 : 0);
    if (!masked) this.scheduleReplay(v);
  }

  /** Writes the entry's address/data: a message for `eventId`, or all-zero (-1). */
  writeMessage(v: number, eventId: number): void {
    this.checkVector(v);
    this.eventId[v] = eventId;
    this.observer?.messageChanged(v);
  }

  /** Function level reset: MSI-X back to its reset state; pending messages are gone. */
  reset(): void {
    this.dropAllPending();
    this.writeControl(false, false);
    for (let v = 0; v < this.tableSize; v++) {
      this.writeEntryMask(v, true);
      this.writeMessage(v, -1);
    }
  }

  /** Adds the pending bits still set, per vector (for the end-of-run count). */
  addPending(perVector: Float64Array): void {
    for (let v = 0; v < this.tableSize; v++) perVector[v]! += this.pba[v]!;
  }

  private deliverableAny(): boolean {
    return this.enable && !this.functionMask;
  }

  private dropAllPending(): void {
    const now = this.sim.now;
    this.timeline.mark(Track.PBA_CLEAR, 0, now);
    for (let v = 0; v < this.tableSize; v++) {
      if (this.pba[v] === 1) {
        this.pba[v] = 0;
        this.acct.drop(v, Cause.MSIX_DISABLED, this.pbaRaisedAt[v]!, now);
      }
    }
  }

  private scheduleReplay(v: number): void {
    // At LATE priority, so the message sees the state the whole instant leaves behind.
    if (this.pba[v] === 1) this.sim.schedule(0, this.replayFn, Priority.LATE, REPLAY, v);
  }

  private replay(v: number): void {
    if (this.pba[v] === 1 && this.deliverable(v)) {
      this.pba[v] = 0;
      this.send(v, this.pbaRaisedAt[v]!);
    }
  }

  private send(v: number, raisedAt: Time): void {
    const eventId = this.eventId[v]!;
    if (eventId < 0) {
      throw new Error(
        `model invariant: vector ${v} sent an all-zero MSI message at ${this.sim.now} ns (unmasked entry without a message)`,
      );
    }
    this.sink.msiWrite(this.deviceId, eventId, v, raisedAt);
  }

  private checkVector(v: number): void {
    if (!(v >= 0 && v < this.tableSize && Number.isInteger(v))) {
      throw new RangeError(`vector ${v} is beyond the MSI-X table (size ${this.tableSize})`);
    }
  }
}
