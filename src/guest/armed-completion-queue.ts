import {
  type Distribution,
  defineKind,
  Priority,
  type RandomStream,
  Signal,
  type Simulation,
  type Time,
  waitFor,
} from "../engine/index.js";
import type { Cpu, Step } from "../model/cpu.js";
import type { IrqBus } from "../model/irq-bus.js";
import type { EventTarget } from "../model/traffic/traffic.js";

const ENTRY = defineKind("guest", "completion-queue-entry");

/** A command's result as the caller sees it: 0, or a negative errno. */
export const ENODEV = -19;

interface Pending {
  /** The waiter's completion: true when its entry was read, false when the queue was torn down. */
  readonly done: Signal<boolean>;
  /** The queue's generation when the command was sent (a torn-down queue ignores late answers). */
  readonly gen: number;
}

/**
 * A firmware completion queue behind one MSI-X vector that the driver arms with a doorbell, as
 * bnxt_re's CREQ (drivers/infiniband/hw/bnxt_re/qplib_rcfw.c). The firmware writes an entry for
 * every command it completes; the device sends one message for the first entry after an arm and
 * is then disarmed; the interrupt handler (bnxt_qplib_creq_irq, then the tasklet
 * bnxt_qplib_service_creq) reads every entry and re-arms the queue. A message lost on the way
 * leaves the queue disarmed: later entries raise nothing, until someone reads the queue.
 *
 * Commands (__send_message, then __wait_for_resp) sleep up to `maxTimeout` for their entry; on
 * timeout the waiter reads the queue itself (bnxt_qplib_service_creq, which re-arms it) and, if
 * its entry is still missing and nothing has come from the firmware for `maxTimeout`, gives up
 * (bnxt_re_is_fw_stalled: -ENODEV). So a lost interrupt costs the waiting command `maxTimeout`,
 * not the command itself.
 */
export class ArmedCompletionQueue {
  /** request_irq'd and its doorbell armed at least once (between enable and disable). */
  enabled = false;
  /** The next entry raises an interrupt. */
  armed = false;
  requests = 0;
  /** Waits that reached maxTimeout (each rescued by the poll, or failed). */
  timeouts = 0;
  /** Commands completed by the waiter's own poll after a timeout. */
  polled = 0;
  /** Commands that failed: firmware stall detected, or the queue torn down under them. */
  failures = 0;
  /** Commands waiting now. */
  waiting = 0;
  /** When the firmware's last entry was read (cmdq->last_seen). */
  lastSeen: Time = 0;
  /** Entries written and not yet read, oldest first. */
  private entries: Pending[] = [];
  /** Waiters not yet completed, to fail them when the queue is torn down. */
  private readonly waiters = new Set<Signal<boolean>>();
  private gen = 0;
  /** The last message was lost and nothing has read the queue since. */
  private lost = false;
  private readonly arriveFn = (p: Pending): void => this.arrive(p);

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    private readonly device: EventTarget,
    readonly vector: number,
    /** The firmware's time to complete a command. */
    private readonly responseDelay: Distribution,
    private readonly rng: RandomStream,
    bus: IrqBus,
    private readonly cpu: Cpu,
  ) {
    bus.onDelivered(vector, () => {
      if (this.enabled) this.service(); // bnxt_qplib_creq_irq -> bnxt_qplib_service_creq
    });
    bus.onDropped(vector, () => {
      if (!this.enabled) return;
      this.lost = true;
      if (this.cpu.on)
        this.cpu.log(`${this.name}: interrupt lost`, { vector, entries: this.entries.length });
    });
  }

  /** The interrupt is requested and the queue armed (bnxt_qplib_rcfw_start_irq). */
  enable(): void {
    this.enabled = true;
    this.lastSeen = this.sim.now;
    this.arm();
  }

  /** free_irq and the doorbell disarmed (bnxt_qplib_rcfw_stop_irq); entries stay queued. */
  disable(): void {
    this.enabled = false;
    this.armed = false;
  }

  /**
   * The queue's memory is gone (bnxt_qplib_free_rcfw_channel, a device reset): queued entries
   * are dropped and every waiter wakes with an error (ERR_DEVICE_DETACHED).
   */
  flush(): void {
    this.disable();
    this.gen++;
    this.entries = [];
    this.lost = false;
    for (const w of [...this.waiters]) w.fire(false);
    this.waiters.clear();
  }

  /**
   * __send_message + __wait_for_resp: posts a command and waits for its completion; 0, or
   * ENODEV when the firmware looks stalled or the queue was torn down.
   */
  *request(what: string, maxTimeout: Time): Step<number> {
    this.requests++;
    const done = new Signal<boolean>(this.sim, `${this.name}.${what}`);
    this.waiters.add(done);
    this.sim.schedule(this.responseDelay.sample(this.rng), this.arriveFn, Priority.NORMAL, ENTRY, {
      done,
      gen: this.gen,
    });
    this.waiting++;
    try {
      for (;;) {
        const r = yield waitFor(done, maxTimeout);
        if (r.fired) return this.finish(done);
        this.timeouts++;
        if (this.cpu.on)
          this.cpu.log("__wait_for_resp: timed out, polling the CREQ", {
            queue: this.name,
            cmd: what,
          });
        this.service(); // bnxt_qplib_service_creq from the waiter
        if (done.fired) {
          this.polled++;
          return this.finish(done);
        }
        if (this.sim.now - this.lastSeen > maxTimeout) {
          // bnxt_re_is_fw_stalled
          this.failures++;
          this.waiters.delete(done);
          if (this.cpu.on) this.cpu.log("firmware stall detected", { cmd: what, err: ENODEV });
          return ENODEV;
        }
      }
    } finally {
      this.waiting--;
    }
  }

  /** Entries written whose interrupt was lost: they wait for a waiter's poll. */
  get stuck(): boolean {
    return this.enabled && this.lost && this.entries.length > 0;
  }

  /** bnxt_qplib_service_creq: read every entry, complete its command, re-arm the queue. */
  service(): void {
    const read = this.entries;
    this.entries = [];
    this.lost = false;
    if (read.length > 0) this.lastSeen = this.sim.now;
    for (const p of read) {
      this.waiters.delete(p.done);
      p.done.fire(true);
    }
    if (this.enabled) this.arm();
  }

  /** The doorbell's ARM: with entries already written, the device raises at once. */
  private arm(): void {
    this.armed = true;
    if (this.entries.length > 0) this.raise();
  }

  private arrive(p: Pending): void {
    if (p.gen !== this.gen) return; // an answer to a queue that was torn down
    this.entries.push(p);
    if (this.enabled && this.armed) this.raise();
  }

  private raise(): void {
    this.armed = false;
    this.device.raise(this.vector);
  }

  private finish(done: Signal<boolean>): number {
    if (done.value === true) return 0;
    this.failures++;
    return ENODEV;
  }
}
