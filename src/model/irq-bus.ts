import type { Time } from "../engine/index.js";

type Listener = (at: Time) => void;

/**
 * Per-vector notifications of where interrupts ended, for the guest side: drivers' interrupt
 * handlers (delivered) and sources that stall when their interrupt is lost (dropped).
 */
export class IrqBus {
  private readonly delivered: Array<Listener[] | undefined> = [];
  private readonly dropped: Array<Listener[] | undefined> = [];
  private readonly scheduled: Array<Listener[] | undefined> = [];

  /** Runs at the instant an interrupt reaches the guest on v (a driver's handler). */
  onDelivered(v: number, fn: Listener): void {
    add(this.delivered, v, fn);
  }

  /**
   * Told, when an interrupt on v is sent on its way to the guest, at what time it will arrive.
   * For listeners that only need that time (a NAPI queue): the delivery then needs no event of
   * its own unless some onDelivered handler must run at that instant.
   */
  onDeliveryScheduled(v: number, fn: Listener): void {
    add(this.scheduled, v, fn);
  }

  /** Some handler must run at the instant of delivery on v. */
  needsDeliveryEvent(v: number): boolean {
    return this.delivered[v] !== undefined;
  }

  emitScheduled(v: number, at: Time): void {
    const ls = this.scheduled[v];
    if (ls !== undefined) for (const fn of ls) fn(at);
  }

  onDropped(v: number, fn: Listener): void {
    add(this.dropped, v, fn);
  }

  emitDelivered(v: number, at: Time): void {
    const ls = this.delivered[v];
    if (ls !== undefined) for (const fn of ls) fn(at);
  }

  emitDropped(v: number, at: Time): void {
    const ls = this.dropped[v];
    if (ls !== undefined) for (const fn of ls) fn(at);
  }
}

/**
 * A vector's first listener makes a one-element array: most vectors have one, and an empty
 * array's first push reserves room for 17 (a run registers a few per queue vector).
 */
function add(lists: Array<Listener[] | undefined>, v: number, fn: Listener): void {
  const ls = lists[v];
  if (ls === undefined) lists[v] = [fn];
  else ls.push(fn);
}
