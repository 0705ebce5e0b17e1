import type { Cpu } from "../model/cpu.js";
import type { IrqBus } from "../model/irq-bus.js";
import type { EventTarget } from "../model/traffic/traffic.js";

/** Cause bits of a misc ("vector 0") cause register. */
export const CauseBit = {
  /** A reset was asserted or is pending (HCLGE_VECTOR0_EVENT_RST). */
  RESET: 1,
  /** The command receive queue holds a message: a mailbox answer or a push (..._EVENT_MBX). */
  MBX: 2,
  /** A hardware error report (..._EVENT_ERR); also stands for other rare causes (PTP). */
  OTHER: 4,
} as const;

/**
 * A latched interrupt-cause register behind one MSI-X vector, as hns3's misc vector has one
 * (hclge_check_event_cause reads HCLGE_MISC_VECTOR_INT_STS and the CMDQ source register;
 * hclge_clear_event_cause writes them back; hclge_enable_vector gates the vector in the device).
 *
 * The device's interrupt line is (cause != 0) AND enabled. When does it send an MSI-X message?
 * The datasheet is not public (MODEL.md section 6), so it is a parameter, `refire`:
 *  - false: only when the line rises (clear-to-set, or the vector enabled with a cause set). A
 *    message lost on the way leaves the line high: no later event on this vector sends another
 *    until something clears the cause or toggles the enable (a reset, a driver re-init).
 *  - true: also for every new event while the line is already high, so the next event on the
 *    vector delivers everything latched before it.
 */
export class EventCause {
  /** Cause bits set and not yet cleared by the handler. */
  bits = 0;
  /** hclge_enable_vector: the device-side enable of the vector (not the MSI-X mask bit). */
  enabled = false;
  messages = 0;
  /** The last message sent was dropped and no handler has run since. */
  private lost = false;

  constructor(
    private readonly device: EventTarget,
    readonly vector: number,
    readonly refire: boolean,
    bus: IrqBus,
    private readonly cpu: Cpu,
  ) {
    bus.onDropped(vector, () => this.dropped());
    bus.onDelivered(vector, () => {
      this.lost = false;
    });
  }

  /** The hardware sets cause bits (a reset, a message in the receive queue, an error). */
  set(bits: number): void {
    const was = this.bits;
    this.bits |= bits;
    if (!this.enabled) return;
    if (was === 0 || this.refire) this.send();
  }

  /** hclge_enable_vector(.., enable): enabling with a cause set is a rising line. */
  enable(on: boolean): void {
    const rising = on && !this.enabled && this.bits !== 0;
    this.enabled = on;
    if (rising) this.send();
  }

  /** hclge_clear_event_cause: the handler writes the handled bits back. */
  clear(bits: number): void {
    this.bits &= ~bits;
  }

  /**
   * The line is stuck: a cause is set and enabled but the message for it was lost, and (with
   * refire=false) nothing will send another. A driver's outcome reads this.
   */
  get stuck(): boolean {
    return this.lost && this.enabled && this.bits !== 0 && !this.refire;
  }

  private send(): void {
    this.messages++;
    this.lost = false;
    this.device.raise(this.vector);
  }

  private dropped(): void {
    if (this.bits === 0) return;
    this.lost = true;
    if (this.cpu.on) this.cpu.log("misc interrupt lost", { vector: this.vector, cause: this.bits });
  }
}
