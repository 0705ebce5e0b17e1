import { defineKind, NO_WAIT, Priority, type Simulation, type Time } from "../../engine/index.js";
import { zeroedF64, zeroedU8 } from "../../engine/typed-arrays.js";
import type { InterruptAccounting } from "../accounting.js";
import type { Step } from "../cpu.js";
import { Cause } from "../outcomes.js";
import { GuestView, type Timeline, Track } from "../timeline.js";

/** The vector notifiers a device model registers (msix_set_vector_notifiers). */
export interface VectorNotifiers {
  use(v: number): Step;
  release(v: number): Step;
}

const DELIVER = defineKind("guest", "interrupt");
export const VIA_KVM = 0;
export const VIA_QEMU = 1;

/**
 * QEMU's emulated MSI-X capability as the guest sees it (hw/pci/msix.c): Enable, MaskAll, the
 * table's Mask bits, the emulated PBA and the per-vector use counts. msix_notify delivers,
 * keeps pending (masked) or drops (vector not in use); msix_handle_mask_update calls the
 * use/release notifier on a mask change and replays a pending vector after an unmask.
 */
export class MsixEmulation {
  enable = false;
  maskAll = false;
  readonly entryMask: Uint8Array;
  readonly used: Uint8Array;
  readonly pba: Uint8Array;
  readonly pbaRaisedAt: Float64Array;
  notifiers: VectorNotifiers | null = null;
  private readonly deliverFn = (key: number): void => this.arrive(key);
  /**
   * Raise times of interrupts on their way to the guest, FIFO per (path, vector) key; a key's
   * queue is made at its first interrupt (most of the table's 2 x tableSize never carry one).
   */
  private readonly inFlight: Array<number[] | undefined> = [];
  /** Per vector: interrupts that reach the guest only after the run's end. */
  private readonly lateAtEnd: Float64Array;

  constructor(
    private readonly sim: Simulation,
    readonly tableSize: number,
    private readonly acct: InterruptAccounting,
    private readonly timeline: Timeline,
    /** Fixed latency to the guest: [through KVM's irqfd, through QEMU]. */
    private readonly latency: readonly [Time, Time],
    /** The run's end: an interrupt arriving later is still in flight then. */
    private readonly until: Time,
  ) {
    this.entryMask = zeroedU8(tableSize).fill(1);
    this.used = zeroedU8(tableSize);
    this.pba = zeroedU8(tableSize);
    this.pbaRaisedAt = zeroedF64(tableSize);
    this.lateAtEnd = zeroedF64(tableSize);
  }

  isMasked(v: number): boolean {
    return !this.enable || this.maskAll || this.entryMask[v] === 1;
  }

  /** msix_notify (data path): for a vector signalled through QEMU's eventfd. */
  msix_notify(v: number, raisedAt: Time): void {
    if (this.used[v] === 0) {
      this.acct.drop(v, Cause.GUEST_VECTOR_UNUSED, raisedAt, this.sim.now);
    } else if (this.isMasked(v)) {
      if (this.pba[v] === 1) this.acct.coalesce(v, this.sim.now);
      else {
        this.pba[v] = 1;
        this.pbaRaisedAt[v] = raisedAt;
      }
    } else {
      this.deliver(v, raisedAt, VIA_QEMU);
    }
  }

  /**
   * Delivery to the guest after the path's fixed latency (VIA_KVM irqfd or VIA_QEMU). Nothing
   * can happen to it on the way, so it is accounted now with its arrival time, unless a guest
   * handler must run at that instant (then an event carries it) or it arrives after the run.
   */
  deliver(v: number, raisedAt: Time, via: typeof VIA_KVM | typeof VIA_QEMU): void {
    const at = this.sim.now + this.latency[via];
    const bus = this.acct.bus;
    bus.emitScheduled(v, at);
    if (at > this.until) {
      this.lateAtEnd[v]!++;
    } else if (!bus.needsDeliveryEvent(v)) {
      this.acct.deliver(v, raisedAt, at);
    } else {
      const key = via * this.tableSize + v;
      const queue = this.inFlight[key];
      if (queue === undefined) this.inFlight[key] = [raisedAt];
      else queue.push(raisedAt);
      this.sim.schedule(this.latency[via], this.deliverFn, Priority.LATE, DELIVER, key);
    }
  }

  /** Adds emulated pending bits and interrupts on their way to the guest, per vector. */
  addPending(perVector: Float64Array): void {
    for (let v = 0; v < this.tableSize; v++) perVector[v]! += this.pba[v]! + this.lateAtEnd[v]!;
    this.inFlight.forEach((q, key) => {
      if (q !== undefined) perVector[key % this.tableSize]! += q.length;
    });
  }

  // --- guest writes (control plane) ---

  /** msix_write_config: a write of the control word. Clearing Enable fires no notifiers. */
  *writeControl(enable: boolean, maskAll: boolean): Step {
    const wasMasked = this.maskedVector();
    this.enable = enable;
    this.maskAll = maskAll;
    this.publishAll();
    if (!enable) return;
    for (let v = 0; v < this.tableSize; v++) {
      // Only a vector whose mask changed has an update (the call would return at once: not
      // creating it spares a generator per table entry).
      if (this.isMasked(v) !== (wasMasked[v] === 1)) {
        yield this.msix_handle_mask_update(v, wasMasked[v] === 1);
      }
    }
  }

  /**
   * msix_table_mmio_write of a vector control word. Yielded by the caller: the mask update where
   * the vector's mask changed, NO_WAIT where it did not (msix_handle_mask_update would return at
   * once; a guest masks every entry of the table at enable, most already masked).
   */
  writeEntryMask(v: number, masked: boolean): Step | typeof NO_WAIT {
    const was = this.isMasked(v);
    this.entryMask[v] = masked ? 1 : 0;
    this.publish(v);
    return this.isMasked(v) === was ? NO_WAIT : this.msix_handle_mask_update(v, was);
  }

  /** msix_vector_use / msix_vector_unuse (unuse also clears the vector's pending bit). */
  setUsed(v: number, used: boolean): void {
    this.used[v] = used ? 1 : 0;
    if (!used) this.timeline.mark(Track.QEMU_PBA_CLEAR, v, this.sim.now);
    if (!used && this.pba[v] === 1) {
      this.pba[v] = 0;
      this.acct.drop(v, Cause.GUEST_VECTOR_UNUSED, this.pbaRaisedAt[v]!, this.sim.now);
    }
    this.publish(v);
  }

  /** Device reset (msix_reset): everything masked and disabled, pending bits cleared. */
  reset(): void {
    for (let v = 0; v < this.tableSize; v++) {
      this.entryMask[v] = 1;
      this.used[v] = 0;
      this.timeline.mark(Track.QEMU_PBA_CLEAR, v, this.sim.now);
      if (this.pba[v] === 1) {
        this.pba[v] = 0;
        this.acct.drop(v, Cause.GUEST_VECTOR_UNUSED, this.pbaRaisedAt[v]!, this.sim.now);
      }
    }
    this.enable = false;
    this.maskAll = false;
    this.publishAll();
  }

  /** msix_handle_mask_update: notifier on a mask change, then replay of a pending vector. */
  private *msix_handle_mask_update(v: number, wasMasked: boolean): Step {
    const masked = this.isMasked(v);
    if (masked === wasMasked) return;
    if (this.notifiers !== null) {
      if (masked) yield this.notifiers.release(v);
      else yield this.notifiers.use(v);
    }
    if (!this.isMasked(v) && this.pba[v] === 1) {
      this.pba[v] = 0;
      this.msix_notify(v, this.pbaRaisedAt[v]!);
    }
  }

  private arrive(key: number): void {
    const raisedAt = this.inFlight[key]!.shift()!;
    this.acct.deliver(key % this.tableSize, raisedAt, this.sim.now);
  }

  private maskedVector(): Uint8Array {
    const out = zeroedU8(this.tableSize);
    for (let v = 0; v < this.tableSize; v++) out[v] = this.isMasked(v) ? 1 : 0;
    return out;
  }

  private publish(v: number): void {
    const view =
      this.used[v] === 0
        ? GuestView.UNUSED
        : this.isMasked(v)
          ? GuestView.MASKED
          : GuestView.UNMASKED;
    this.timeline.set(Track.GUEST, v, this.sim.now, view);
  }

  private publishAll(): void {
    for (let v = 0; v < this.tableSize; v++) this.publish(v);
  }
}
