import type { Cpu } from "../model/cpu.js";
import type { IrqBus } from "../model/irq-bus.js";

/**
 * A completion event queue on its own MSI-X vector, as mlx5 creates one per completion vector
 * (eq.c: create_comp_eq, on demand since f14c1a14e632 through mlx5_comp_eqn_get, destroyed only
 * in mlx5_eq_table_destroy). Every CQ that names the vector (a netdev channel's RX/TX/ICOSQ
 * CQs, RDMA CQs) writes its EQEs here. The EQ raises its vector once per arm: the handler
 * (mlx5_eq_comp_int) re-arms it with eq_update_ci(eq, 1) and the CQs are re-armed by their
 * NAPI poll. The data path of a channel on this EQ is the NAPI queue (napi.ts,
 * model/device/queue-vector.ts); this object keeps what outlives a channel: the EQ itself.
 *
 * A lost message leaves the EQ fired with its EQEs unread [inferred: the PRM's armed/fired
 * EQ, and the recovery code below exists for it]. Closing the channel does not fix that: a new
 * channel on the same vector (ifdown/ifup, ethtool -L, a channel reopen) writes its EQEs to the
 * fired EQ and gets no interrupt. Only a poll re-arms it: mlx5_eq_poll_irq_disabled (disable_irq,
 * mlx5_eq_comp_int by hand, enable_irq), which the mlx5e TX-timeout and RX-timeout reporters
 * call through mlx5e_health_channel_eq_recover.
 */
export class CompletionEq {
  /** create_comp_eq ran (the vector is requested: its MSI-X entry unmasked). */
  created = false;
  /** Fired by a message that was lost: EQEs wait and no interrupt will come. */
  fired = false;
  /** Polls that found EQEs (ch_stats->eq_rearm). */
  rearms = 0;

  constructor(
    /** The completion vector (vecidx). */
    readonly index: number,
    /** Its MSI-X vector. */
    readonly vector: number,
    bus: IrqBus,
    private readonly cpu: Cpu,
  ) {
    // Whatever raised the message (a channel's CQ, an RDMA CQ), the EQ fired for it.
    bus.onDropped(vector, () => {
      if (this.created) this.fired = true;
    });
  }

  /** create_comp_eq: a fresh EQ, armed (mlx5_eq_enable). */
  create(): void {
    this.created = true;
    this.fired = false;
  }

  /** destroy_comp_eq (mlx5_eq_table_destroy), or the device reset under the driver. */
  destroy(): void {
    this.created = false;
    this.fired = false;
  }

  /**
   * mlx5_eq_poll_irq_disabled: the EQEs found (at least one when a message was lost; the model
   * counts 1) are handed to their CQs and the EQ is re-armed.
   */
  pollIrqDisabled(): number {
    if (!this.created || !this.fired) return 0;
    this.fired = false;
    this.rearms++;
    if (this.cpu.on) this.cpu.log("Recovered eqes on EQ", { vecidx: this.index, eqes: 1 });
    return 1;
  }
}
