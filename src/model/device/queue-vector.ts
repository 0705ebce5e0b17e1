import {
  defineKind,
  type EventHandle,
  Priority,
  type RandomStream,
  S,
  type Simulation,
  type Time,
} from "../../engine/index.js";
import type { IrqBus } from "../irq-bus.js";
import type { EventTarget } from "../traffic/traffic.js";

const RAISE = defineKind("device", "queue-irq");

/** Packet load of one queue pair, per second, in the window [start, stop). */
export interface QueueLoad {
  readonly rxPps: number;
  readonly txPps: number;
  readonly start: Time;
  readonly stop: Time;
}

/**
 * The device side of one queue-pair (TQP) vector: received packets and completed transmits are
 * work for the vector. While the driver has the vector enabled (hns3_mask_vector_irq(.., 1)) the
 * device raises an interrupt at the first work that comes at least the gap limit (GL) after its
 * previous interrupt, and disables the vector as it fires: hns3_irq_handle only schedules NAPI
 * and hns3_nic_common_poll re-enables the vector after napi_complete, so the hardware must mask
 * itself [inferred from the driver; no datasheet]. A message lost on the way therefore leaves the
 * vector disabled until the driver re-initialises the queue, unless `rearmOnLoss` (the device
 * re-raises while work is pending) is set.
 *
 * Packets are a Poisson process, so the next interrupt needs one exponential draw from the
 * enable instant (memoryless); nothing is scheduled per packet. Draws come from the queue's own
 * stream, so every profile sees the same packets while the histories agree.
 */
export class QueueVector {
  /** The driver has the vector enabled and it has not fired since. */
  armed = false;
  /** The queue is up: between the driver's enable and its disable (firing does not end it). */
  active = false;
  raised = 0;
  private lastRaise = Number.NEGATIVE_INFINITY;
  private pending: EventHandle | null = null;
  /** Mean gap between work items in ns (Infinity without load). */
  private readonly meanGap: number;
  private readonly fire = (): void => this.raise();

  constructor(
    private readonly sim: Simulation,
    private readonly device: EventTarget,
    readonly vector: number,
    readonly load: QueueLoad,
    /** Minimum gap between two interrupts of the vector, ns (the GL setting). */
    private readonly gapLimit: Time,
    private readonly rng: RandomStream,
    /** The device re-raises while work is pending, so a lost message is followed by another. */
    readonly rearmOnLoss: boolean,
    bus: IrqBus,
  ) {
    if (rearmOnLoss) bus.onDropped(vector, () => this.active && this.enable(this.sim.now));
    const pps = load.rxPps + load.txPps;
    this.meanGap = pps > 0 ? S / pps : Number.POSITIVE_INFINITY;
  }

  /** hns3_mask_vector_irq(vector, 1) at time `at` (>= now): the vector may fire again. */
  enable(at: Time): void {
    this.cancel();
    this.armed = true;
    this.active = true;
    const from = Math.max(at, this.load.start);
    if (from >= this.load.stop || this.meanGap === Number.POSITIVE_INFINITY) return;
    const work = from + Math.floor(this.rng.exponential(this.meanGap) + 0.5);
    if (work >= this.load.stop) return;
    this.pending = this.sim.at(
      Math.max(work, this.lastRaise + this.gapLimit),
      this.fire,
      Priority.LATE,
      RAISE,
    );
  }

  /** hns3_mask_vector_irq(vector, 0): the queue goes down. */
  disable(): void {
    this.cancel();
    this.armed = false;
    this.active = false;
  }

  private cancel(): void {
    if (this.pending !== null) {
      this.sim.cancel(this.pending);
      this.pending = null;
    }
  }

  private raise(): void {
    this.pending = null;
    this.armed = false;
    this.lastRaise = this.sim.now;
    this.raised++;
    this.device.raise(this.vector);
  }
}
