import {
  type Distribution,
  defineKind,
  type EventHandle,
  type Lock,
  NO_WAIT,
  Priority,
  type RandomStream,
  spawn,
} from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import { CompletionRingEvents } from "../completion-ring-events.js";
import { Netdev } from "../netdev.js";
import type { EnDev } from "./bnxt-re.js";
import type { BnxtLayout } from "./layout.js";
import type { BnxtParams, BnxtTiming } from "./params.js";

const PHY_LINK = defineKind("guest", "phy-link-up");

/** A firmware async event on ring 0's completion ring (bnxt_async_event_process). */
export type AsyncEvent =
  | { readonly kind: "link-status-change" }
  /** ASYNC_EVENT_CMPL_EVENT_ID_RESET_NOTIFY; `asked`: the timeline asked for this reset. */
  | { readonly kind: "reset-notify"; readonly asked: boolean };

/** What bnxt_en calls on its RoCE auxiliary driver (bnxt_ulp.c). */
export interface UlpOps {
  /** bnxt_ulp_stop: the auxiliary driver's suspend. */
  stop(): Step;
  /** bnxt_ulp_start: its resume. */
  start(): Step;
  /** bnxt_ulp_irq_stop: its interrupts freed before MSI-X is freed. */
  irqStop(): Step;
  /** bnxt_ulp_irq_restart: its interrupts requested again on the new MSI-X range. */
  irqRestart(): Step;
  /** The RoCE port may have become active (a netdev event after the carrier came on). */
  carrierOn(): void;
}

/**
 * bnxt_en (drivers/net/ethernet/broadcom/bnxt/bnxt.c) as far as interrupts go.
 *
 * Probe allocates MSI-X for the RoCE vectors and the L2 rings together and requests nothing
 * (bnxt_init_int_mode). __bnxt_open_nic reserves rings (bnxt_reserve_rings: a changed vector
 * count frees every vector and allocates the range again, or, with dynamic MSI-X in the guest,
 * adds or frees vectors at the end), requests the L2 interrupts in ring order
 * (bnxt_request_irq), allocates the rings (bnxt_init_nic: ring 0 becomes the async event ring),
 * arms them (bnxt_enable_int), turns the carrier on if the link is known up (bnxt_tx_enable) and
 * polls the link (bnxt_get_port_module_status -> bnxt_update_link). Later link changes arrive
 * only as async events on ring 0. Firmware commands (HWRM) are polled: no interrupt.
 *
 * Recovery: a TX timeout queues the reset task (bnxt_tx_timeout -> bnxt_reset_task: RoCE
 * stopped, close and open with irq_re_init, RoCE started); a firmware reset (RESET_NOTIFY)
 * closes everything, frees MSI-X (bnxt_fw_reset_close -> bnxt_clear_int_mode), waits for the
 * firmware and opens again (bnxt_fw_reset_task: bnxt_open, then bnxt_ulp_start).
 */
export class BnxtEn implements EnDev {
  readonly dev: Netdev;
  readonly asyncEvents: CompletionRingEvents<AsyncEvent>;
  /** Probed (bnxt_init_one done, bnxt_remove_one not yet). */
  loaded = false;
  /** IFF_UP: the administrator brought the interface up (it stays up across resets). */
  ifUp = false;
  /** BNXT_STATE_OPEN. */
  open = false;
  /** bp->total_irqs: vectors allocated (0: MSI-X freed, bp->irq_tbl gone). */
  totalIrqs = 0;
  /** bp->link_info.link_up: what the driver last read from the firmware. */
  linkUp = false;
  /** The PHY's link (the firmware's view). */
  phyUp = false;
  /** Reset tasks run (TX timeouts) and firmware resets, and those the driver started itself. */
  resetTasks = 0;
  fwResets = 0;
  portResets = 0;
  resetQueued = false;
  resetRunning = false;
  fwResetting = false;
  /** L2 vectors requested (bnxt_request_irq) and not yet freed. */
  private requested: number[] = [];
  private phyTimer: EventHandle | null = null;
  private readonly phyLinkUpFn = (): void => this.phyLinkUp();

  constructor(
    private readonly m: Machine,
    private readonly layout: BnxtLayout,
    private readonly p: BnxtParams,
    private readonly t: BnxtTiming,
    load: QueueLoad | null,
    private readonly lock: Lock,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
    /** The RoCE auxiliary driver's side of the ULP interface. */
    private readonly ulp: UlpOps,
  ) {
    this.dev = new Netdev(m, layout.l2Max, layout.l2Rings, p, load, cpu);
    this.dev.onTxTimeout = (queue) => this.bnxt_tx_timeout(queue);
    this.asyncEvents = new CompletionRingEvents<AsyncEvent>(
      m.sim,
      m.device,
      this.dev.all[0]!.napi,
      m.acct.bus,
      p.napiPollDelay,
      (e) => this.bnxt_async_event_process(e),
      cpu,
    );
  }

  /** bp->irq_tbl exists (bnxt_register_dev needs it). */
  get irqTable(): boolean {
    return this.totalIrqs > 0;
  }

  /** Running with carrier: the RoCE port is active. */
  get portUp(): boolean {
    return this.open && this.dev.carrier;
  }

  // --- probe, removal, ndo_open / ndo_stop ---

  /** bnxt_init_one: MSI-X allocated for RoCE and L2 (bnxt_init_int_mode); nothing requested. */
  *probe(): Step {
    if (this.loaded) return;
    if (this.cpu.on)
      this.cpu.log("bnxt_init_one", {
        ulp_msix: this.p.roceVectors,
        cp_nr_rings: this.dev.queues.length,
      });
    yield this.bnxt_init_int_mode();
    this.loaded = true;
  }

  /** bnxt_remove_one: unregister_netdev (closes a running port), MSI-X freed. */
  *remove(): Step {
    if (!this.loaded) return;
    yield this.ndoStop();
    if (this.irqTable) yield this.bnxt_clear_int_mode();
    this.loaded = false;
  }

  /** bnxt_open: __bnxt_open_nic(irq_re_init, link_re_init); 0 or an error. */
  *ndoOpen(): Step<number> {
    if (!this.loaded || this.ifUp) return 0;
    this.ifUp = true;
    if (this.fwResetting) return 0; // the firmware reset task opens it (IN_FW_RESET)
    // bnxt_hwrm_if_change: after a firmware reset, bnxt_fw_init_one allocates MSI-X again.
    if (!this.irqTable) yield this.bnxt_init_int_mode();
    return yield this.openNic(true, true);
  }

  /** bnxt_close: __bnxt_close_nic, bnxt_hwrm_shutdown_link, then dev_deactivate. */
  *ndoStop(): Step {
    if (!this.ifUp) return;
    this.ifUp = false;
    if (this.open) yield this.closeNic(true);
    this.shutdownLink(); // bnxt_hwrm_shutdown_link (single PF)
    this.dev.deactivate();
  }

  /** bnxt_set_channels (ethtool -L combined n): close, new ring count, open. */
  *setChannels(n: number): Step<number> {
    const count = Math.max(1, Math.min(n, this.dev.all.length));
    if (count === this.dev.queues.length) return 0;
    if (this.cpu.on) this.cpu.log("bnxt_set_channels", { from: this.dev.queues.length, to: count });
    if (!this.open) {
      this.dev.setInUse(count); // reserved at the next open
      return 0;
    }
    yield this.closeNic(true); // bnxt_close_nic(bp, true, false)
    this.dev.setInUse(count);
    return yield this.openNic(true, false); // bnxt_open_nic(bp, true, false)
  }

  // --- the firmware's events and the link ---

  /** The PHY's link comes up now (the wire). */
  linkUpNow(): void {
    if (this.phyTimer !== null) this.m.sim.cancel(this.phyTimer);
    this.phyTimer = null;
    this.phyLinkUp();
  }

  /** The firmware resets (ethtool --reset, devlink reload): RESET_NOTIFY on ring 0. */
  resetNotify(): void {
    if (this.cpu.on) this.cpu.log("firmware: RESET_NOTIFY", { ring0_live: this.open });
    this.asyncEvents.post({ kind: "reset-notify", asked: true });
  }

  /** The autonegotiation timer is running. */
  get autonegPending(): boolean {
    return this.phyTimer !== null;
  }

  /** The device was reset under the driver (QEMU reset): its state is gone. */
  forget(): void {
    this.dev.stopQueues();
    this.dev.deactivate();
    this.asyncEvents.stop();
    this.shutdownLink();
    this.loaded = false;
    this.ifUp = false;
    this.open = false;
    this.totalIrqs = 0;
    this.requested = [];
    this.resetQueued = false;
  }

  // --- __bnxt_open_nic / __bnxt_close_nic ---

  /** __bnxt_open_nic; 0 or an error. */
  private *openNic(irqReInit: boolean, linkReInit: boolean): Step<number> {
    const { m, dev } = this;
    dev.setCarrier(false); // netif_carrier_off
    yield this.bnxt_reserve_rings(irqReInit);
    if (!this.irqTable) return -28; // ring reservation / IRQ init failure
    if (irqReInit) {
      // bnxt_init_napi, bnxt_request_irq: request_irq for ring i at irq_tbl[ulp_msix + i].
      const vectors = dev.vectors();
      if (this.cpu.on)
        this.cpu.log("bnxt_request_irq", { first: vectors[0], rings: vectors.length });
      for (const v of vectors) yield m.guest.unmask(v);
      this.requested = vectors;
    }
    // bnxt_init_nic: rings, VNIC and filters over polled HWRM; ring 0 is the async event ring.
    yield this.spend(this.t.initNicTime);
    if (linkReInit) this.bnxt_update_phy_setting();
    this.open = true; // set_bit(BNXT_STATE_OPEN)
    for (const q of dev.queues) q.napi.start(m.sim.now); // bnxt_enable_napi, bnxt_enable_int
    this.asyncEvents.start();
    dev.setCarrier(this.linkUp); // bnxt_tx_enable: carrier on if link_info.link_up
    this.bnxt_update_link(); // bnxt_get_port_module_status -> bnxt_update_link(bp, true)
    return 0;
  }

  /** __bnxt_close_nic: TX and carrier off, NAPI and rings off, the L2 interrupts freed. */
  private *closeNic(irqReInit: boolean): Step {
    const { m, dev } = this;
    dev.setCarrier(false); // bnxt_tx_disable drops the carrier first
    this.open = false;
    dev.stopQueues(); // bnxt_disable_napi, bnxt_disable_int_sync
    this.asyncEvents.stop(); // bnxt_shutdown_nic frees the rings
    yield this.spend(this.t.closeNicTime);
    if (irqReInit && this.requested.length > 0) {
      yield m.guest.mask(this.requested); // bnxt_free_irq: free_irq masks each entry
      this.requested = [];
    }
  }

  /**
   * bnxt_reserve_rings: when the vectors needed (RoCE + L2 rings) differ from those allocated,
   * either free everything (bnxt_ulp_irq_stop, bnxt_clear_int_mode), reserve, allocate the new
   * range and give bnxt_re its interrupts back (bnxt_init_int_mode, bnxt_ulp_irq_restart), or,
   * when the guest can allocate MSI-X dynamically, add or free vectors at the end
   * (bnxt_change_msix). RoCE keeps its vectors only in the second case.
   */
  private *bnxt_reserve_rings(irqReInit: boolean): Step {
    const need = this.irqsRequired();
    const change = irqReInit && this.irqTable && need !== this.totalIrqs;
    const clear = change && !this.p.guestAllocDyn;
    if (clear) {
      if (this.cpu.on)
        this.cpu.log("bnxt_reserve_rings: MSI-X freed and allocated again", {
          from: this.totalIrqs,
          to: need,
        });
      yield this.ulp.irqStop(); // bnxt_ulp_irq_stop
      yield this.bnxt_clear_int_mode();
    }
    yield this.spend(this.t.reserveRingsTime); // __bnxt_reserve_rings (HWRM_FUNC_CFG)
    if (clear) {
      yield this.bnxt_init_int_mode();
      yield this.ulp.irqRestart(); // bnxt_ulp_irq_restart
    } else if (change) {
      // bnxt_change_msix: pci_msix_alloc_irq_at / pci_msix_free_irq at the end of the table.
      if (this.cpu.on) this.cpu.log("bnxt_change_msix", { from: this.totalIrqs, to: need });
      this.totalIrqs = need;
    }
  }

  /** Time spent in polled firmware commands. */
  private spend(d: Distribution): number {
    const ns = d.sample(this.rng);
    return ns > 0 ? ns : NO_WAIT;
  }

  /** RoCE vectors + one per L2 ring in use (bnxt_get_num_msix). */
  private irqsRequired(): number {
    return this.p.roceVectors + this.dev.queues.length;
  }

  /** bnxt_init_int_mode: pci_alloc_irq_vectors for RoCE + L2; entries programmed, masked. */
  private *bnxt_init_int_mode(): Step {
    const need = this.irqsRequired();
    const top = this.layout.roceBase > 0;
    yield this.m.guest.enable(top ? this.layout.numMsi : need);
    this.totalIrqs = need;
  }

  /** bnxt_clear_int_mode: pci_free_irq_vectors, which disables MSI-X. */
  private *bnxt_clear_int_mode(): Step {
    yield this.m.guest.disable();
    this.totalIrqs = 0;
    this.requested = [];
  }

  /** bnxt_update_phy_setting: autonegotiation starts if the link is down. */
  private bnxt_update_phy_setting(): void {
    if (this.phyUp || this.phyTimer !== null) return;
    this.phyTimer = this.m.sim.schedule(
      this.t.linkUpDelay.sample(this.rng),
      this.phyLinkUpFn,
      Priority.NORMAL,
      PHY_LINK,
    );
  }

  /** bnxt_update_link (polled HWRM_PORT_PHY_QCFG): a change is reported (netif_carrier_*). */
  private bnxt_update_link(): void {
    const was = this.linkUp;
    this.linkUp = this.phyUp;
    if (!this.open) return;
    if (this.linkUp !== was && this.cpu.on) this.cpu.log("bnxt_report_link", { up: this.linkUp });
    this.dev.setCarrier(this.linkUp);
    if (this.linkUp) this.ulp.carrierOn();
  }

  /** The PHY's link comes up; the firmware posts LINK_STATUS_CHANGE on ring 0. */
  private phyLinkUp(): void {
    this.phyTimer = null;
    if (this.phyUp) return;
    this.phyUp = true;
    if (this.cpu.on) this.cpu.log("firmware: link up", { ring0_live: this.open });
    this.asyncEvents.post({ kind: "link-status-change" });
  }

  private shutdownLink(): void {
    if (this.phyTimer !== null) this.m.sim.cancel(this.phyTimer);
    this.phyTimer = null;
    this.phyUp = false;
    this.linkUp = false;
  }

  /** bnxt_async_event_process, in ring 0's NAPI poll. */
  private bnxt_async_event_process(e: AsyncEvent): void {
    if (this.cpu.on) this.cpu.log("bnxt_async_event_process", { event: e.kind });
    if (e.kind === "link-status-change") {
      this.bnxt_update_link(); // BNXT_LINK_CHNG_SP_EVENT -> bnxt_sp_task
    } else {
      this.bnxt_fw_reset(e.asked);
    }
  }

  // --- recovery ---

  /** ndo_tx_timeout: "TX timeout detected, starting reset task!" */
  private bnxt_tx_timeout(queue: number): void {
    if (this.cpu.on) this.cpu.log("bnxt_tx_timeout", { queue });
    if (this.resetQueued) return;
    this.resetQueued = true; // bnxt_queue_sp_work(bp, BNXT_RESET_TASK_SP_EVENT)
    spawn(this.m.sim, this.bnxt_reset(), "bnxt_sp_task");
  }

  /** bnxt_sp_task -> bnxt_reset -> bnxt_reset_task(bp, false), under the netdev lock. */
  private *bnxt_reset(): Step {
    yield this.lock.acquire();
    try {
      this.resetQueued = false;
      if (!this.open) return;
      this.resetRunning = true;
      this.resetTasks++;
      this.portResets++;
      if (this.cpu.on) this.cpu.log("bnxt_reset_task", {});
      yield this.ulp.stop(); // bnxt_ulp_stop
      yield this.closeNic(true); // bnxt_close_nic(bp, true, false)
      const rc: number = yield this.openNic(true, false); // bnxt_open_nic(bp, true, false)
      if (rc === 0) yield this.ulp.start(); // bnxt_ulp_start(bp, rc)
    } finally {
      this.resetRunning = false;
      this.lock.release();
    }
  }

  /** bnxt_fw_reset: close and free MSI-X, wait for the firmware, open again, RoCE last. */
  private bnxt_fw_reset(asked: boolean): void {
    if (!this.open || this.fwResetting) return;
    this.fwResetting = true;
    spawn(this.m.sim, this.bnxt_fw_reset_task(asked), "bnxt_fw_reset_task");
  }

  private *bnxt_fw_reset_task(asked: boolean): Step {
    yield this.lock.acquire();
    try {
      this.fwResets++;
      if (!asked) this.portResets++;
      if (this.cpu.on) this.cpu.log("bnxt_fw_reset", {});
      // bnxt_fw_reset_close: RoCE stopped, NIC closed, MSI-X freed.
      yield this.ulp.stop();
      if (this.open) yield this.closeNic(true);
      if (this.irqTable) yield this.bnxt_clear_int_mode();
    } finally {
      this.lock.release();
    }
    yield this.spend(this.t.fwResetWait); // the firmware resets (the task polls it)
    yield this.lock.acquire();
    try {
      // BNXT_FW_RESET_STATE_OPENING: bnxt_open (bnxt_fw_init_one allocates MSI-X), RoCE last.
      if (!this.loaded) return;
      yield this.bnxt_init_int_mode();
      let rc = 0;
      if (this.ifUp) rc = yield this.openNic(true, true);
      if (rc === 0) yield this.ulp.start();
    } finally {
      this.fwResetting = false;
      this.lock.release();
    }
  }
}
