import {
  defineKind,
  type EventHandle,
  type Lock,
  Priority,
  parseDistribution,
  type RandomStream,
  spawn,
  type Time,
} from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import { CauseBit, EventCause } from "../event-cause.js";
import { type AsyncMessage, Mailbox } from "../mailbox.js";
import { ResetStateMachine } from "../reset-state-machine.js";
import { ServiceTask } from "../service-task.js";
import { TxHangCheck } from "../tx-hang-check.js";
import { IceFdir } from "./ice-fdir.js";
import { IceLan, type IceLanPf } from "./ice-lan.js";
import { Irdma } from "./irdma.js";
import { IceIrqTracker } from "./irq-tracker.js";
import { type IceLayout, iceCounts } from "./layout.js";
import type { IceParams, IceTiming } from "./params.js";

const FW_LINK = defineKind("guest", "ice-firmware-link");

export type IceResetType = "PFR" | "CORER" | "GLOBR";

/**
 * ice_pf: the E810 PF's driver state (ice_main.c). It owns
 *  - the interrupt tracker (ice_irq.c) from which every user takes its MSI-X index;
 *  - the OICR on vector 0 (ice_req_irq_msix_misc), a latched cause register (EventCause): the
 *    admin receive queue (firmware link events), the GRST reset warning and other causes;
 *    ice_misc_intr only sets ICE_ADMINQ_EVENT_PENDING and schedules the service task, and
 *    ice_clean_adminq_subtask reads the ARQ only when that bit is set: nothing polls the ARQ;
 *  - the service task (pf->serv_tmr_period = HZ): reset handling, ARQ, TX hang check;
 *  - the PF VSI (ice-lan.ts), the Flow Director VSI (ice-fdir.ts), irdma (irdma.ts);
 *  - resets: ice_tx_timeout's escalation, ice_reset_subtask, ice_do_reset, ice_prepare_for_reset,
 *    ice_rebuild; the PCI reset hooks an FLR calls.
 */
export class IcePf implements IceLanPf {
  tracker: IceIrqTracker;
  readonly oicr: EventCause;
  /** The admin receive queue: firmware events (link status) behind the OICR. */
  readonly arq: Mailbox;
  readonly service: ServiceTask;
  /** ice_rebuild is not retried: a failure leaves ICE_NEEDS_RESTART (maxFailCnt 0). */
  readonly reset: ResetStateMachine;
  readonly lan: IceLan;
  readonly fdir: IceFdir;
  readonly irdma: Irdma;
  readonly hangCheck: TxHangCheck;
  loaded = false;
  probeFailed: string | null = null;
  deadReason: string | null = null;
  /** Resets the driver started itself (TX timeout, irdma), run to their end. */
  portResets = 0;
  /** ice_do_reset calls and FLRs. */
  resetAttempts = 0;
  /** pi->phy.link_info as the driver last read it (polled or from a link event). */
  linkInfoUp = false;
  // --- ice_pf->state bits ---
  private adminqPending = false;
  private pfrReq = false;
  private corerReq = false;
  private globrReq = false;
  private requestReason = "";
  /** ICE_RESET_OICR_RECV with its type: the GRST warning was handled, a rebuild is due. */
  private resetOicrRecv: IceResetType | null = null;
  /** ICE_PREPARED_FOR_RESET. */
  private prepared = false;
  /** A CORER/GLOBR was triggered and its GRST interrupt has not been handled yet. */
  private awaitingGrst: IceResetType | null = null;
  private resetTaskQueued = false;
  private resetting = false;
  /** ICE_SERVICE_DIS / ICE_NEEDS_RESTART after an unrecoverable TX timeout. */
  private needsRestart = false;
  private txTimeoutLevel = 1;
  private txTimeoutLastRecovery: Time = Number.NEGATIVE_INFINITY;
  // --- the firmware's link ---
  private fwLinkUp = false;
  private phyConfigured = false;
  private fwTimer: EventHandle | null = null;
  private readonly fwLinkUpFn = (): void => this.firmwareLinkUp();

  constructor(
    private readonly m: Machine,
    readonly layout: IceLayout,
    readonly p: IceParams,
    private readonly t: IceTiming,
    load: QueueLoad | null,
    private readonly lock: Lock,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {
    this.tracker = new IceIrqTracker(layout.numMsi);
    this.oicr = new EventCause(m.device, layout.misc, p.oicrCauseRefire, m.acct.bus, cpu);
    this.arq = new Mailbox(
      m.sim,
      "ice-arq",
      () => this.oicr.set(CauseBit.MBX), // PFINT_FW_CTL: an ARQ event raises the OICR vector
      parseDistribution(0, "ice-arq"),
      m.sim.streams.get("guest/ice/arq"),
      cpu,
    );
    this.arq.onAsync = (msg) => this.ice_handle_link_event(msg);
    this.reset = new ResetStateMachine(0, cpu, () => {
      this.deadReason = "ice_rebuild failed: driver needs to be unloaded and reloaded";
    });
    this.service = new ServiceTask(m.sim, p.serviceTaskPeriod, () => this.ice_service_task());
    this.lan = new IceLan(m, layout, p, load, this, cpu);
    this.fdir = new IceFdir(m, () => this.tracker, cpu);
    this.irdma = new Irdma(
      m,
      p,
      t,
      iceCounts(p).rdmaVectors,
      () => this.tracker,
      m.sim.streams.get("guest/ice/irdma"),
      cpu,
    );
    this.irdma.onRequestReset = () => this.ice_schedule_reset("PFR", "irdma");
    this.hangCheck = new TxHangCheck(m.sim, (q) => m.device.raise(q.vector.vector), cpu);
    m.acct.bus.onDelivered(layout.misc, () => this.ice_misc_intr());
  }

  // --- probe and removal ---

  /** ice_probe -> ice_init (ice_init_dev, ice_init_pf_sw, ice_init_link) -> ice_load. */
  *probe(): Step<number> {
    const { m, layout } = this;
    if (this.cpu.on) this.cpu.log("ice_probe", { msix_max: layout.numMsi });
    this.tracker = new IceIrqTracker(layout.numMsi);
    // ice_init_interrupt_scheme: pci_alloc_irq_vectors(msix.min, msix.max, PCI_IRQ_MSIX)
    yield m.guest.enable(layout.numMsi);
    // ice_req_irq_msix_misc: ice_alloc_irq (index 0), devm_request_threaded_irq, OICR enabled
    const misc = this.tracker.alloc();
    yield m.guest.unmask(misc);
    this.oicr.clear(-1);
    this.oicr.enable(true); // ice_ena_misc_vector + ice_irq_dynamic_ena
    this.deadReason = null;
    this.needsRestart = false;
    this.loaded = true;
    // ice_init_pf_sw -> ice_pf_vsi_setup: the LAN q_vectors take tracker entries (masked)
    this.lan.channels = this.layout.lan.length;
    this.lan.allocQVectors();
    this.hangCheck.reset(this.lan.dev.queues);
    // ice_init_link: media present and link not down-on-close, so the PHY is set up now
    this.configurePhy();
    // ice_load: ice_init_features (ice_init_fdir) before ice_init_rdma (d67627e7b532)
    if (this.p.flowDirector) yield this.fdir.init();
    // ice_init_rdma -> ice_plug_aux_dev: irdma probes now if it is loaded
    if (this.irdma.driverLoaded) yield this.irdma.probe();
    this.service.start(); // ice_service_task_restart
    return 0;
  }

  /** ice_remove: service stopped, ice_unload (RDMA, FDIR, netdev), ice_deinit_dev. */
  *remove(): Step {
    if (!this.loaded) return;
    this.service.stop();
    yield this.irdma.remove(); // ice_deinit_rdma -> ice_unplug_aux_dev
    yield this.fdir.deinit(); // ice_deinit_features
    yield this.lan.close(); // unregister_netdev -> ndo_stop
    this.lan.freeQVectors();
    // ice_deinit_dev -> ice_free_irq_msix_misc, ice_clear_interrupt_scheme
    this.oicr.enable(false);
    yield this.m.guest.mask(this.layout.misc);
    yield this.m.guest.disable();
    this.loaded = false;
    this.stopLink();
  }

  // --- the interface's link (IceLanPf) ---

  updateLinkInfo(): boolean {
    this.linkInfoUp = this.fwLinkUp;
    return this.linkInfoUp;
  }

  /** ice_configure_phy: with the PHY set up, the link trains and the firmware reports it. */
  configurePhy(): void {
    this.phyConfigured = true;
    if (this.fwLinkUp || this.fwTimer !== null) return;
    this.fwTimer = this.m.sim.schedule(
      this.t.linkUpDelay.sample(this.rng),
      this.fwLinkUpFn,
      Priority.NORMAL,
      FW_LINK,
    );
  }

  serviceKick(): void {
    this.service.kick();
  }

  /**
   * ice_tx_timeout: a timeout more than 20 s after the last recovery starts at level 1; one
   * sooner than watchdog_timeo after it is ignored; otherwise level 1 asks for a PFR, 2 a
   * CORER, 3 a GLOBR, and beyond that the device is given up (ICE_DOWN, NEEDS_RESTART,
   * SERVICE_DIS). The reset runs from the service task.
   */
  txTimeout(queue: number): void {
    const now = this.m.sim.now;
    if (now > this.txTimeoutLastRecovery + this.p.txTimeoutRecoveryDecay) this.txTimeoutLevel = 1;
    else if (now < this.txTimeoutLastRecovery + this.p.watchdogTimeo) return;
    this.txTimeoutLastRecovery = now;
    const level = this.txTimeoutLevel;
    if (this.cpu.on) this.cpu.log("tx_timeout recovery", { level, hung_queue: queue });
    if (level === 1) this.pfrReq = true;
    else if (level === 2) this.corerReq = true;
    else if (level === 3) this.globrReq = true;
    else {
      this.needsRestart = true;
      this.deadReason = "tx_timeout recovery unsuccessful, device is in unrecoverable state";
      this.service.stop();
    }
    this.requestReason = "tx-timeout";
    this.service.kick(); // ice_service_task_schedule
    this.txTimeoutLevel++;
  }

  /** ice_schedule_reset (ethtool --reset, irdma's request_reset). */
  ice_schedule_reset(type: IceResetType, reason: string): void {
    if (!this.loaded || this.needsRestart) return;
    if (this.cpu.on) this.cpu.log("ice_schedule_reset", { type, reason });
    if (type === "PFR") this.pfrReq = true;
    else if (type === "CORER") this.corerReq = true;
    else this.globrReq = true;
    this.requestReason = reason;
    this.service.kick();
  }

  // --- FLR (pci_error_handlers reset_prepare / reset_done) ---

  /** ice_pci_err_reset_prepare: service stopped, PFR requested, ice_prepare_for_reset. */
  *flrPrepare(): Step {
    this.service.stop();
    this.pfrReq = true;
    yield this.ice_prepare_for_reset();
  }

  /** ice_pci_err_reset_done -> ice_pci_err_resume: ice_do_reset(PFR), service restarted. */
  *flrDone(): Step {
    yield this.ice_do_reset("PFR");
    if (!this.needsRestart) this.service.start();
  }

  /** The function was reset under the driver: its cause registers are back to reset values. */
  deviceReset(): void {
    this.oicr.clear(-1);
    this.oicr.enabled = false;
    this.arq.flush();
    this.adminqPending = false;
  }

  /** The device was reset by QEMU: the driver's state is gone (the guest probes again). */
  forget(): void {
    this.service.stop();
    this.oicr.clear(-1);
    this.oicr.enabled = false;
    this.arq.flush();
    this.lan.forget();
    this.fdir.forget();
    this.irdma.forget();
    this.loaded = false;
    this.pfrReq = this.corerReq = this.globrReq = false;
    this.resetOicrRecv = null;
    this.awaitingGrst = null;
    this.prepared = false;
    this.adminqPending = false;
    this.stopLink();
  }

  /** The firmware reports link up now (the wire, a scenario action). */
  firmwareLinkUpNow(): void {
    if (!this.phyConfigured || this.fwLinkUp) return;
    if (this.fwTimer !== null) this.m.sim.cancel(this.fwTimer);
    this.firmwareLinkUp();
  }

  /** A CORER/GLOBR waits for a GRST interrupt that a stuck OICR will never deliver. */
  get hangingGlobalReset(): boolean {
    return this.awaitingGrst !== null && this.oicr.stuck;
  }

  /** The recovery the run ended in the middle of, or null. */
  pendingRecovery(now: Time): string | null {
    if (this.resetting || this.resetTaskQueued || this.resetOicrRecv !== null) return "reset";
    if (this.awaitingGrst !== null && !this.oicr.stuck) return "global reset (GRST interrupt)";
    if (this.pfrReq || this.corerReq || this.globrReq) return "reset requested";
    if (!this.loaded || this.deadReason !== null) return null;
    const lan = this.lan;
    if (lan.dev.txTimeoutPending) return "TX timeout";
    if (lan.running && lan.dev.carrier && this.service.running) {
      for (const q of lan.dev.queues) if (this.hangCheck.willRevive(q, now)) return "TX hang check";
    }
    if (this.irdma.initializing) return "irdma init";
    if (lan.running && !lan.dev.carrier) {
      if (this.fwTimer !== null) return "autonegotiation";
      if (this.fwLinkUp && (this.arq.unread > 0 || this.adminqPending) && !this.oicr.stuck)
        return "link event";
    }
    return null;
  }

  // --- interrupts and the service task ---

  /**
   * ice_misc_intr (+ ice_misc_intr_thread_fn): ICE_ADMINQ_EVENT_PENDING is set unconditionally,
   * PFINT_OICR is read (read-to-clear), a GRST warning sets ICE_RESET_OICR_RECV, the service
   * task is scheduled and the vector re-enabled (ice_irq_dynamic_ena).
   */
  private ice_misc_intr(): void {
    if (!this.loaded) return;
    const cause = this.oicr;
    cause.enable(false); // the vector fired: the hardware clears INTENA [inferred]
    this.adminqPending = true;
    const bits = cause.bits;
    cause.clear(bits);
    if (bits & CauseBit.RESET && this.awaitingGrst !== null && this.resetOicrRecv === null) {
      this.resetOicrRecv = this.awaitingGrst;
      this.awaitingGrst = null;
      if (this.cpu.on) this.cpu.log("ice_misc_intr: reset warning", { type: this.resetOicrRecv });
    }
    this.service.kick(); // ice_service_task_schedule
    cause.enable(true); // ice_irq_dynamic_ena
  }

  /**
   * ice_service_task: ice_reset_subtask first (and bail while a reset is in progress), then
   * ice_clean_adminq_subtask (only if ICE_ADMINQ_EVENT_PENDING), ice_check_for_hang_subtask.
   */
  private ice_service_task(): void {
    if (!this.loaded || this.needsRestart) return;
    this.ice_reset_subtask();
    if (this.resetInProgress) return;
    if (this.adminqPending) {
      this.adminqPending = false;
      this.arq.receive(); // __ice_clean_ctrlq(pf, ICE_CTL_Q_ADMIN)
    }
    // ice_check_for_hang_subtask: PF VSI up and carrier on
    if (this.lan.running && this.lan.dev.carrier) this.hangCheck.run(this.lan.dev.queues);
  }

  /** ice_is_reset_in_progress (ice_open refuses with -EBUSY while it holds). */
  get resetInProgress(): boolean {
    return (
      this.resetting ||
      this.resetTaskQueued ||
      this.prepared ||
      this.awaitingGrst !== null ||
      this.resetOicrRecv !== null ||
      this.pfrReq ||
      this.corerReq ||
      this.globrReq
    );
  }

  /** ice_reset_subtask: a received GRST first (rebuild), else a requested reset (ice_do_reset). */
  private ice_reset_subtask(): void {
    if (this.resetTaskQueued || this.resetting) return;
    if (this.resetOicrRecv === null && !this.pfrReq && !this.corerReq && !this.globrReq) return;
    if (this.resetOicrRecv === null && this.awaitingGrst !== null) return;
    this.resetTaskQueued = true;
    spawn(this.m.sim, this.resetTask(), "ice_reset_subtask");
  }

  /** The reset work, under the driver lock (rtnl), as the service task runs it. */
  private *resetTask(): Step {
    yield this.lock.acquire();
    this.resetTaskQueued = false;
    this.resetting = true;
    try {
      if (!this.loaded) return;
      const received = this.resetOicrRecv;
      if (received !== null) {
        // ICE_RESET_OICR_RECV: prepare if not yet, ice_check_reset, ice_rebuild
        yield this.ice_prepare_for_reset();
        yield this.rebuildWithStateMachine(received);
        this.resetOicrRecv = null;
        this.pfrReq = this.corerReq = this.globrReq = false;
        return;
      }
      const type: IceResetType = this.globrReq ? "GLOBR" : this.corerReq ? "CORER" : "PFR";
      yield this.ice_do_reset(type);
    } finally {
      this.resetting = false;
      this.lock.release();
    }
  }

  /**
   * ice_do_reset: ice_prepare_for_reset, ice_reset (the hardware reset, waited for by polling);
   * a PFR is rebuilt at once ("PFR is a bit of a special case because it doesn't result in an
   * OICR interrupt"); a CORER/GLOBR is rebuilt only when its GRST warning arrives on the OICR.
   */
  private *ice_do_reset(type: IceResetType): Step {
    this.resetAttempts++;
    if (this.requestReason !== "timeline" && this.requestReason !== "") this.portResets++;
    if (this.cpu.on) this.cpu.log("ice_do_reset", { type, reason: this.requestReason });
    this.requestReason = "";
    yield this.ice_prepare_for_reset();
    if (type === "PFR") {
      yield this.rebuildWithStateMachine("PFR");
      this.pfrReq = false;
      return;
    }
    // GLGEN_RTRIG: the whole device resets; every PF gets a GRST warning on its OICR.
    this.awaitingGrst = type;
    this.fwLinkUp = false;
    this.phyConfigured = false;
    if (this.fwTimer !== null) this.m.sim.cancel(this.fwTimer);
    this.fwTimer = null;
    this.oicr.set(CauseBit.RESET);
    const wait = this.t.resetWait.sample(this.rng);
    if (wait > 0) yield wait; // ice_check_reset polls GLGEN_RSTSTAT / GLNVM_ULD
    this.pfrReq = this.corerReq = this.globrReq = false;
    this.service.kick();
  }

  private *rebuildWithStateMachine(type: IceResetType): Step {
    yield this.reset.run(
      {
        prepare: () => this.noop(),
        wait: () => this.resetWaitStep(type),
        rebuild: () => this.ice_rebuild(type),
      },
      type,
    );
  }

  // biome-ignore lint/correctness/useYield: ice_prepare_for_reset already ran
  private *noop(): Step<number> {
    return 0;
  }

  /** ice_reset(PFR) -> ice_pf_reset polls until the PF reset is done; a CORER was waited for. */
  private *resetWaitStep(type: IceResetType): Step<number> {
    if (type !== "PFR") return 0;
    const wait = this.t.resetWait.sample(this.rng);
    if (wait > 0) yield wait;
    return 0;
  }

  /**
   * ice_prepare_for_reset: ice_unplug_aux_dev (irdma removed), the VSIs disabled
   * (ice_pf_dis_all_vsi: ndo_stop / ice_vsi_close free the LAN and FDIR IRQs), the control
   * queues shut down. The OICR IRQ stays requested.
   */
  private *ice_prepare_for_reset(): Step {
    if (this.prepared) return;
    yield this.irdma.remove();
    yield this.lan.stop();
    yield this.fdir.close();
    this.arq.flush(); // ice_shutdown_all_ctrlq
    this.adminqPending = false;
    this.prepared = true;
  }

  /**
   * ice_rebuild: control queues back, ice_req_irq_msix_misc (skip path: OICR causes cleared and
   * the vector re-enabled), the PF VSI rebuilt (q_vectors freed and re-allocated) and reopened
   * if it was running (ice_open_internal: LAN IRQs requested again, ascending), the control VSI
   * rebuilt and reopened, the link re-read, then ice_plug_aux_dev (irdma probes again).
   */
  private *ice_rebuild(type: IceResetType): Step<number> {
    if (this.cpu.on) this.cpu.log("ice_rebuild", { type });
    this.oicr.clear(-1);
    this.oicr.enable(false);
    this.oicr.enable(true);
    this.lan.rebuildQVectors();
    this.hangCheck.reset(this.lan.dev.queues);
    if (type !== "PFR") this.configurePhy(); // the port was reset: the link trains again
    if (this.lan.ifUp) {
      const r: number = yield this.lan.openInternal(); // ice_ena_vsi -> ice_open_internal
      if (r !== 0) return r;
    }
    if (this.p.flowDirector) yield this.fdir.rebuild();
    this.updateLinkInfo(); // ice_update_pf_netdev_link
    this.lan.linkEvent(this.linkInfoUp);
    this.prepared = false;
    if (this.irdma.driverLoaded) yield this.irdma.probe(); // ice_plug_aux_dev
    return 0;
  }

  /** ice_handle_link_event -> ice_link_event: link info re-read, the VSI's carrier follows. */
  private ice_handle_link_event(msg: AsyncMessage): void {
    if (msg.kind !== "link") return;
    this.updateLinkInfo();
    if (this.cpu.on) this.cpu.log("ice_link_event", { link: this.linkInfoUp ? 1 : 0 });
    this.lan.linkEvent(this.linkInfoUp);
  }

  /** The firmware's link comes up: it posts a link status event on the ARQ (an OICR cause). */
  private firmwareLinkUp(): void {
    this.fwTimer = null;
    if (!this.phyConfigured || this.fwLinkUp) return;
    this.fwLinkUp = true;
    if (this.cpu.on) this.cpu.log("firmware link up", {});
    this.arq.push({ kind: "link", value: 1 });
  }

  private stopLink(): void {
    this.phyConfigured = false;
    this.fwLinkUp = false;
    this.linkInfoUp = false;
    if (this.fwTimer !== null) this.m.sim.cancel(this.fwTimer);
    this.fwTimer = null;
  }
}
