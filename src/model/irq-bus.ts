import type { Time } from "../engine/index.js";

type Listener = (at: Time) => void;

/**
 * Per-vector notifications of where interrupts ended, for the guest side: drivers' interrupt
 * handlers (delivered) and sources that stall when their interrupt is lost (dropped).
 */
export class IrqBus {
  private readonly delivered: Array<Listener[] | undefined> = [];
  private readonly dropped: Array<Listener[] | undefined> = [];

  onDelivered(v: number, fn: Listener): void {
    (this.delivered[v] ??= []).push(fn);
  }

  onDropped(v: number, fn: Listener): void {
    (this.dropped[v] ??= []).push(fn);
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
