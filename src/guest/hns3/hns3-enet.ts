import type { Cpu, Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import { Netdev } from "../netdev.js";
import type { Hns3Layout } from "./layout.js";
import type { Hns3Params } from "./params.js";

/** What the NIC client needs of its ae_dev (hclge or hclgevf): the hnae3 ops it calls. */
export interface AeOps {
  /** ops->reset_queue from hns3_nic_reset_all_ring: 0 or an error (a VF asks the PF). */
  resetQueues(): Step<number>;
  /** ops->start (hclge_ae_start / hclgevf_ae_start). */
  start(): Step;
  /** ops->stop (hclge_ae_stop / hclgevf_ae_stop). */
  stop(): Step;
  /** ops->reset_event from hns3_nic_net_timeout. */
  resetEvent(reason: string): void;
}

/**
 * The hns3 NIC client (hns3_enet.c): the netdev with one NAPI context, TX ring and device queue
 * vector per TQP vector, and the netdev watchdog. NIC INIT requests the queue interrupts with
 * IRQF_NO_AUTOEN (entries stay masked); interface up enables them in ascending order
 * (hns3_vector_enable: enable_irq, which unmasks the MSI-X entry, then hns3_mask_vector_irq(1))
 * and starts the ae_dev; down disables them only in the device (disable_irq is lazy: no MSI-X
 * write); NIC UNINIT frees them (free_irq masks the entries).
 */
export class Hns3Enet {
  /** The data path: channels (hns3_nic_alloc_vector_data: min(vCPUs, queues)), watchdog. */
  readonly dev: Netdev;
  /** NIC INIT done: the queue interrupts are requested. */
  registered = false;
  /** IFF_UP: the administrator brought the interface up (it stays up across a reset). */
  ifUp = false;
  /** hns3_nic_net_up done: queues and vectors enabled. */
  running = false;
  /** The queue entries have been unmasked since NIC INIT. */
  private vectorsUnmasked = false;
  ae: AeOps | null = null;

  constructor(
    private readonly m: Machine,
    layout: Hns3Layout,
    p: Hns3Params,
    load: QueueLoad | null,
    private readonly cpu: Cpu,
  ) {
    this.dev = new Netdev(m, layout.tqpMax, layout.tqp.length, p, load, cpu);
    this.dev.onTxTimeout = (queue) => this.hns3_nic_net_timeout(queue);
  }

  /** NIC INIT (hns3_client_init / hns3_reset_notify_init_enet): request_irq with NO_AUTOEN. */
  init(): void {
    this.registered = true;
    this.vectorsUnmasked = false;
  }

  /** NIC UNINIT: free_irq of every queue vector, which masks its MSI-X entry. */
  *uninit(): Step {
    yield this.netDown();
    if (this.registered && this.vectorsUnmasked) yield this.m.guest.mask(this.dev.vectors());
    this.registered = false;
    this.vectorsUnmasked = false;
  }

  /** ndo_open (ifup): the interface is up from now on (netif_running); 0 or an error. */
  *open(): Step<number> {
    if (!this.registered) return 0;
    this.ifUp = true;
    return yield this.netUp();
  }

  /** ndo_stop (ifdown). */
  *close(): Step {
    this.ifUp = false;
    yield this.netDown();
  }

  /** hns3_reset_notify_down_enet: a running interface is stopped, and stays IFF_UP. */
  *resetDown(): Step {
    yield this.netDown();
  }

  /** hns3_reset_notify_up_enet: an interface that was up is opened again; 0 or an error. */
  *resetUp(): Step<number> {
    if (!this.ifUp || !this.registered) return 0;
    return yield this.netUp();
  }

  /**
   * hns3_nic_net_up: reset the rings (ops->reset_queue), enable each vector in ascending order
   * (its MSI-X entry, then the device-side enable), then ops->start. 0 or an error.
   */
  private *netUp(): Step<number> {
    if (this.running) return 0;
    const r: number = yield this.ae!.resetQueues();
    if (r !== 0) {
      if (this.cpu.on) this.cpu.log("hns3_nic_net_up failed", { step: "reset_queue", err: r });
      return r;
    }
    if (this.cpu.on) this.cpu.log("hns3_nic_net_up", { vectors: this.dev.queues.length });
    for (const q of this.dev.queues) {
      if (!this.vectorsUnmasked) yield this.m.guest.unmask(q.vector.vector); // enable_irq
      q.napi.start(this.m.sim.now); // hns3_mask_vector_irq(tqp_vector, 1)
    }
    this.vectorsUnmasked = true;
    this.running = true;
    yield this.ae!.start();
    return 0;
  }

  /** hns3_nic_net_stop / hns3_nic_net_down: carrier off, queues and vectors off, ops->stop. */
  private *netDown(): Step {
    if (!this.running) return;
    this.running = false;
    this.dev.deactivate();
    this.dev.stopQueues();
    yield this.ae!.stop();
  }

  /**
   * hns3_set_channels (ethtool -L combined n): DOWN, UNINIT (free_irq masks the old vectors),
   * set_channels, INIT, UP (the new set of vectors enabled ascending). Not make-before-break:
   * the old queues are down meanwhile. 0 or an error.
   */
  *setChannels(n: number): Step<number> {
    const count = Math.max(1, Math.min(n, this.dev.all.length));
    if (count === this.dev.queues.length) return 0;
    if (this.cpu.on) this.cpu.log("hns3_set_channels", { from: this.dev.queues.length, to: count });
    const wasRegistered = this.registered;
    yield this.uninit();
    this.dev.setInUse(count);
    if (!wasRegistered) return 0;
    this.init();
    return yield this.resetUp();
  }

  /** hns3_link_status_change: netif_carrier_on / netif_carrier_off. */
  linkStatusChange(up: boolean): void {
    if (up && !this.running) return;
    this.dev.setCarrier(up);
  }

  /** The device was reset under the driver: no queue, no carrier, nothing requested. */
  forget(): void {
    this.dev.deactivate();
    this.running = false;
    this.ifUp = false;
    this.registered = false;
    this.vectorsUnmasked = false;
  }

  /** ndo_tx_timeout: hns3_get_tx_timeo_queue_info found the queue, then ops->reset_event. */
  private hns3_nic_net_timeout(queue: number): void {
    if (this.cpu.on) this.cpu.log("hns3_nic_net_timeout", { queue });
    this.ae?.resetEvent("tx-timeout");
  }
}
