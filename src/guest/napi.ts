import type { Simulation, Time } from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import type { QueueVector } from "../model/device/queue-vector.js";
import type { IrqBus } from "../model/irq-bus.js";
import type { TxRing } from "./tx-ring.js";

/**
 * NAPI for one queue-pair vector (hns3_enet.c): the interrupt handler (hns3_irq_handle) only
 * schedules the poll; the poll (hns3_nic_common_poll) cleans the TX ring and the RX ring, calls
 * napi_complete and re-enables the vector (hns3_mask_vector_irq(.., 1)). The poll runs `pollDelay`
 * after the interrupt reaches the guest; as the arrival time is known when the interrupt is sent
 * on its way, no event is needed for either.
 *
 * A lost interrupt is invisible to the driver: no poll runs, the vector stays disabled and the
 * TX ring starts to fill. The queue is stalled until the driver re-initialises it.
 */
export class Napi {
  polls = 0;
  /** Since when the queue has been stalled by a lost interrupt, or -1. */
  stalledSince: Time = -1;
  /** Total time the queue spent stalled before its last re-initialisation. */
  stalledNs = 0;

  constructor(
    private readonly sim: Simulation,
    readonly vector: QueueVector,
    readonly ring: TxRing | null,
    private readonly pollDelay: Time,
    bus: IrqBus,
    private readonly cpu: Cpu,
  ) {
    const v = vector.vector;
    bus.onDeliveryScheduled(v, (at) => this.poll(at + this.pollDelay));
    bus.onDropped(v, () => this.lost());
  }

  /** hns3_vector_enable at interface up: an empty ring and an enabled vector. */
  start(at: Time): void {
    this.endStall();
    this.ring?.reset(at);
    this.vector.enable(at);
  }

  /** hns3_vector_disable at interface down. */
  stop(): void {
    this.endStall();
    this.vector.disable();
  }

  get stalled(): boolean {
    return this.stalledSince >= 0;
  }

  /** Time stalled up to now, including a stall still going on. */
  stallTime(now: Time): number {
    return this.stalledNs + (this.stalledSince >= 0 ? now - this.stalledSince : 0);
  }

  private poll(at: Time): void {
    if (!this.vector.active) return;
    this.polls++;
    this.endStall();
    this.ring?.reap(at);
    this.vector.enable(at);
  }

  private lost(): void {
    if (!this.vector.active || this.vector.rearmOnLoss || this.stalledSince >= 0) return;
    this.stalledSince = this.sim.now;
    if (this.cpu.on) this.cpu.log("queue stalled", { vector: this.vector.vector });
    this.ring?.starve();
  }

  private endStall(): void {
    if (this.stalledSince < 0) return;
    this.stalledNs += this.sim.now - this.stalledSince;
    this.stalledSince = -1;
  }
}
