import { defineKind, Priority, type Simulation, type Time } from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import type { IrqBus } from "../model/irq-bus.js";
import type { EventTarget } from "../model/traffic/traffic.js";
import type { Napi } from "./napi.js";

const DRAIN = defineKind("guest", "ring-events-poll");

/**
 * Firmware events that share a NAPI ring's completion ring with its packets, as bnxt's async
 * events (link change, reset notify) do on L2 ring 0: bnxt_hwrm_ring_alloc registers ring 0 as
 * the async event completion ring (bnxt_hwrm_set_async_event_cr), and the NAPI poll handles
 * the entries (bnxt_hwrm_handler -> bnxt_async_event_process). An event is an entry like a
 * packet's completion: the ring raises an interrupt for it only while armed; the next poll of
 * the ring handles every event queued; a ring disarmed by a lost interrupt keeps them until it
 * is re-initialised; freeing the ring (the interface closing) discards them, and while no ring
 * is registered the firmware has nowhere to write them.
 */
export class CompletionRingEvents<E> {
  posted = 0;
  handled = 0;
  /** Events the firmware could not write (no ring registered) or that a ring free discarded. */
  discarded = 0;
  /** The ring is allocated and registered for async events (between start and stop). */
  private live = false;
  private queue: E[] = [];
  /** When the poll already on its way will run, or -1. */
  private pollAt: Time = -1;
  private readonly drainFn = (): void => this.drain();

  constructor(
    private readonly sim: Simulation,
    private readonly device: EventTarget,
    /** The ring's NAPI context: its vector is the one the events ride on. */
    readonly napi: Napi,
    bus: IrqBus,
    private readonly pollDelay: Time,
    /** The driver's handler for one event, run in the poll. */
    private readonly handler: (e: E) => void,
    private readonly cpu: Cpu,
  ) {
    bus.onDeliveryScheduled(napi.vector.vector, (at) => {
      if (!this.live) return;
      this.pollAt = at + this.pollDelay;
      if (this.queue.length > 0) this.sim.at(this.pollAt, this.drainFn, Priority.NORMAL, DRAIN);
    });
  }

  /** The ring is registered and armed (bnxt_init_nic, then bnxt_enable_int). */
  start(): void {
    this.live = true;
    this.pollAt = -1;
  }

  /** The ring is freed (__bnxt_close_nic): queued events are gone with it. */
  stop(): void {
    this.live = false;
    this.discarded += this.queue.length;
    this.queue = [];
    this.pollAt = -1;
  }

  /** The firmware writes an event on the ring. */
  post(e: E): void {
    this.posted++;
    if (!this.live) {
      this.discarded++;
      return;
    }
    this.queue.push(e);
    const qv = this.napi.vector;
    if (this.pollAt >= this.sim.now) {
      // An interrupt is on its way (the ring is disarmed until its poll): the poll reads this
      // entry too.
      this.sim.at(this.pollAt, this.drainFn, Priority.NORMAL, DRAIN);
    } else if (qv.active && qv.armed) {
      // The ring fires once for its first entry and disarms; the packet interrupt it would have
      // raised next is folded into this one (the poll reaps both).
      qv.disable();
      qv.active = true;
      qv.raised++;
      this.device.raise(qv.vector);
    }
    // Otherwise the ring is disarmed by a lost interrupt, or stopped: the event waits.
  }

  /** Events wait on a ring that a lost interrupt disarmed: nothing will read them. */
  get stuck(): boolean {
    return this.live && this.queue.length > 0 && this.napi.stalled;
  }

  /** Events wait for a poll that is coming. */
  get pending(): boolean {
    return this.live && this.queue.length > 0 && !this.napi.stalled;
  }

  private drain(): void {
    if (!this.live || this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    for (const e of q) {
      this.handled++;
      this.handler(e);
    }
    if (this.cpu.on)
      this.cpu.log("ring events handled", { vector: this.napi.vector.vector, events: q.length });
  }
}
