import type { Cpu, Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import { Netdev, type NicQueue } from "../netdev.js";
import type { IceIrqTracker } from "./irq-tracker.js";
import type { IceLayout } from "./layout.js";
import type { IceParams } from "./params.js";

/** What the PF VSI needs of its PF (ice_pf). */
export interface IceLanPf {
  readonly tracker: IceIrqTracker;
  /** pi->phy.link_info: the link as the driver last read it (polled or from a link event). */
  readonly linkInfoUp: boolean;
  /** ice_update_link_info: the firmware's link state, read over the polled admin queue. */
  updateLinkInfo(): boolean;
  /** ice_configure_phy: the PHY is set up (autonegotiation starts if the link is not up). */
  configurePhy(): void;
  /** ice_service_task_schedule. */
  serviceKick(): void;
  /** ndo_tx_timeout. */
  txTimeout(queue: number): void;
}

/**
 * The PF VSI and its netdev (ice_main.c, ice_lib.c, ice_base.c). Its q_vectors take tracker
 * entries at probe (ice_vsi_alloc_q_vectors -> ice_vsi_alloc_q_vector -> ice_alloc_irq), but
 * their IRQs are requested only at ndo_open: ice_open -> ice_open_internal (link info polled,
 * PHY configured) -> ice_vsi_open -> ice_vsi_req_irq_msix (request_irq for each q_vector in
 * ascending order: each unmasks its MSI-X entry) -> ice_up_complete (NAPI and the vectors
 * enabled; carrier on if the link is already up). ndo_stop -> ice_vsi_close frees them again
 * (ice_vsi_free_irq: free_irq masks each entry). ethtool -L rebuilds the VSI: its q_vectors are
 * freed and re-allocated (ice_vsi_rebuild -> ice_vsi_decfg / ice_vsi_cfg_def), taking the
 * lowest free tracker entries, so new channels land above whatever was allocated after the LAN
 * block (the Flow Director vector).
 */
export class IceLan {
  readonly dev: Netdev;
  /** The tracker entries of the q_vectors, in channel order. */
  qVectors: number[] = [];
  /** The channel count (vsi->req_txq / alloc_txq). */
  channels: number;
  /** IFF_UP: the administrator brought the interface up (it stays up across a reset). */
  ifUp = false;
  /** ice_up_complete done and not closed since: IRQs requested, NAPI running. */
  running = false;
  private readonly byVector = new Map<number, NicQueue>();

  constructor(
    private readonly m: Machine,
    layout: IceLayout,
    p: IceParams,
    load: QueueLoad | null,
    private readonly pf: IceLanPf,
    private readonly cpu: Cpu,
  ) {
    // A channel object for every index a q_vector could get (1..msix.max - 1): which ones the
    // LAN uses depends on the tracker at the time of each (re-)allocation.
    const candidates = Array.from({ length: layout.numMsi - 1 }, (_, i) => i + 1);
    this.dev = new Netdev(m, candidates, 0, p, load, cpu);
    this.dev.all.forEach((q, i) => {
      this.byVector.set(candidates[i]!, q);
    });
    this.dev.onTxTimeout = (queue) => this.pf.txTimeout(queue);
    this.channels = layout.lan.length;
  }

  /** ice_vsi_alloc_q_vectors: one tracker entry per channel, lowest free first. */
  allocQVectors(): void {
    this.qVectors = [];
    for (let i = 0; i < this.channels; i++) {
      const v = this.pf.tracker.alloc();
      if (v < 0) break;
      this.qVectors.push(v);
    }
    this.dev.queues = this.qVectors.map((v) => this.byVector.get(v)!);
  }

  /** ice_vsi_free_q_vectors: the entries go back to the tracker. */
  freeQVectors(): void {
    for (const v of this.qVectors) this.pf.tracker.free(v);
    this.qVectors = [];
    this.dev.queues = [];
  }

  /** ndo_open (ifup). */
  *open(): Step<number> {
    this.ifUp = true;
    return yield this.openInternal();
  }

  /** ndo_stop (ifdown). */
  *close(): Step {
    this.ifUp = false;
    yield this.stop();
  }

  /**
   * ice_open_internal: ice_update_link_info (polled), ice_configure_phy, ice_vsi_open ->
   * ice_vsi_req_irq_msix (ascending), ice_up_complete. 0 or an error.
   */
  *openInternal(): Step<number> {
    if (this.running) return 0;
    const linkUp = this.pf.updateLinkInfo();
    this.pf.configurePhy();
    if (this.cpu.on)
      this.cpu.log("ice_vsi_req_irq_msix", {
        q_vectors: this.qVectors.length,
        link: linkUp ? 1 : 0,
      });
    for (const q of this.dev.queues) yield this.m.guest.unmask(q.vector.vector); // request_irq
    const now = this.m.sim.now;
    for (const q of this.dev.queues) q.napi.start(now); // ice_napi_enable_all + ice_vsi_ena_irq
    this.running = true;
    if (this.pf.linkInfoUp) this.dev.setCarrier(true); // ice_up_complete: cached link info
    this.pf.serviceKick();
    return 0;
  }

  /** ice_stop / ice_dis_vsi -> ice_vsi_close: ice_down (carrier off, NAPI off), free_irq each. */
  *stop(): Step {
    if (!this.running) return;
    this.running = false;
    this.dev.deactivate();
    this.dev.stopQueues();
    yield this.m.guest.mask(this.dev.vectors()); // ice_vsi_free_irq
  }

  /**
   * ice_set_channels -> ice_vsi_recfg_qs: close if running, rebuild the VSI with the new count
   * (q_vectors freed and re-allocated), reopen. Not make-before-break.
   */
  *setChannels(n: number): Step<number> {
    const wasRunning = this.running;
    yield this.stop();
    this.freeQVectors();
    this.channels = n;
    this.allocQVectors();
    if (!wasRunning) return 0;
    return yield this.openInternal();
  }

  /** The PF VSI is rebuilt after a reset (ice_vsi_rebuild): q_vectors freed and re-allocated. */
  rebuildQVectors(): void {
    this.freeQVectors();
    this.allocQVectors();
  }

  /** ice_vsi_link_event: the carrier follows the link while the VSI is up. */
  linkEvent(up: boolean): void {
    if (!this.running) return;
    this.dev.setCarrier(up);
  }

  /** The device was reset under the driver: nothing requested, nothing allocated. */
  forget(): void {
    this.dev.deactivate();
    for (const q of this.dev.queues) q.napi.stop();
    this.running = false;
    this.ifUp = false;
    this.qVectors = [];
    this.dev.queues = [];
  }
}
