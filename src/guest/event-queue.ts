import type { Cpu } from "../model/cpu.js";
import type { IrqBus } from "../model/irq-bus.js";
import type { EventTarget } from "../model/traffic/traffic.js";

/**
 * An event queue (EQ) as mlx5 devices have them (drivers/net/ethernet/mellanox/mlx5/core/eq.c):
 * the device writes entries (EQEs) into a ring and raises the EQ's MSI-X vector only while the
 * EQ is armed; raising disarms it ("fired"), and only the driver's doorbell write
 * eq_update_ci(eq, 1) arms it again. The handlers (mlx5_eq_async_int, mlx5_eq_comp_int) consume
 * every entry and then always re-arm, whether they found one or not.
 *
 * So a message lost on its way (a drop window of the vector) leaves the EQ fired with its entry
 * unread: later entries on that EQ raise nothing. What gets it going again is any delivered
 * interrupt on the same vector (several EQs share one IRQ through its notifier chain,
 * irq_int_handler -> atomic_notifier_call_chain: each attached EQ polls and re-arms itself), or
 * an explicit poll: mlx5_cmd_eq_recover (a command timed out) or mlx5_eq_poll_irq_disabled (the
 * TX/RX reporters). The armed/fired semantics are the device's (PRM, not public); the recovery
 * code above exists for exactly this case [inferred].
 */
export class EventQueue<E> {
  /** eq_update_ci(eq, 1) since the last message: an entry raises the vector. */
  armed = false;
  /** mlx5_eq_enable: attached to its IRQ's notifier chain (between enable and disable). */
  attached = false;
  /** Messages raised, polls that found entries. */
  raised = 0;
  recovered = 0;
  /** Entries written and not consumed, oldest first. */
  private entries: E[] = [];
  /** The last message raised was dropped and the EQ has not been polled since. */
  private lost = false;

  constructor(
    readonly name: string,
    private readonly device: EventTarget,
    readonly vector: number,
    /** What the driver does with one entry (the EQE's notifier / completion handler). */
    private readonly handle: (e: E) => void,
    bus: IrqBus,
    private readonly cpu: Cpu,
  ) {
    // The vector's handler runs every attached EQ's notifier (mlx5_irq_int_handler).
    bus.onDelivered(vector, () => {
      if (this.attached) this.poll();
    });
    bus.onDropped(vector, () => {
      if (this.attached && !this.armed && this.entries.length > 0) this.lost = true;
    });
  }

  /** mlx5_eq_enable: attach the notifier and arm (eq_update_ci(eq, 1)). */
  enable(): void {
    this.attached = true;
    this.lost = false;
    this.rearm();
  }

  /** mlx5_eq_disable + destroy: detached; its entries are gone with the ring. */
  disable(): void {
    this.attached = false;
    this.armed = false;
    this.lost = false;
    this.entries = [];
  }

  /** The device writes an entry; an armed EQ raises its vector and fires. */
  post(e: E): void {
    this.entries.push(e);
    if (!this.armed || !this.attached) return;
    this.armed = false;
    this.raised++;
    this.device.raise(this.vector);
  }

  /**
   * The EQ's interrupt handler (mlx5_eq_async_int): every entry to its handler, then
   * eq_update_ci(eq, 1). Returns the number of entries consumed.
   */
  poll(): number {
    const list = this.entries;
    const n = list.length;
    this.entries = [];
    this.lost = false;
    for (let i = 0; i < n; i++) this.handle(list[i]!);
    this.rearm();
    return n;
  }

  /**
   * A recovery poll from process context (mlx5_cmd_eq_recover: mlx5_eq_async_int with
   * ASYNC_EQ_RECOVER; mlx5_eq_poll_irq_disabled for a completion EQ): the same work as the
   * handler; the count is what the driver logs ("Recovered %d EQEs").
   */
  recover(): number {
    const n = this.poll();
    if (n > 0) {
      this.recovered++;
      if (this.cpu.on) this.cpu.log("Recovered EQEs", { eq: this.name, eqes: n });
    }
    return n;
  }

  /** Entries written and not read. */
  get unread(): number {
    return this.entries.length;
  }

  /** Fired by a message that was lost, with entries no interrupt will announce. */
  get stuck(): boolean {
    return this.attached && this.lost && !this.armed && this.entries.length > 0;
  }

  /** eq_update_ci(eq, 1): arming an EQ that holds unread entries raises at once. */
  private rearm(): void {
    this.armed = true;
    if (this.entries.length > 0 && this.attached) {
      this.armed = false;
      this.raised++;
      this.device.raise(this.vector);
    }
  }
}
