import { MS, S, spawn } from "../../engine/index.js";
import type { Step } from "../../model/cpu.js";
import { CauseBit, EventCause } from "../event-cause.js";
import { type AsyncMessage, Mailbox } from "../mailbox.js";
import { ResetStateMachine, type ResetSteps } from "../reset-state-machine.js";
import { ServiceTask } from "../service-task.js";
import type { AeContext, AeDev } from "./ae-dev.js";

/** -EIO: a mailbox answer that never came (hclgevf_get_mbx_resp). */
const EIO = -5;
/** HCLGEVF_RESET_SYNC_TIME: hclgevf_reset_prepare_wait sleeps this after asserting. */
const RESET_SYNC_TIME = 100 * MS;
/** HCLGEVF_RESET_WAIT_US: hclgevf_reset_wait polls the reset status this often... */
const RESET_POLL = 20 * MS;
/** ...HCLGEVF_RESET_WAIT_CNT (2000) times. */
const RESET_WAIT_TIMEOUT = 2000 * RESET_POLL;
/** hclgevf_reset_wait then sleeps 500 ms, or 5000 ms for a full reset (814d0c786068). */
const RESET_SETTLE = 500 * MS;
const FULL_RESET_SETTLE = 5 * S;
/** HNS_ROCE_V2_HW_RST_UNINT_DELAY. */
const ROCE_RST_UNINIT_DELAY = 100 * MS;
/** HCLGEVF_KEEP_ALIVE_TASK_INTERVAL: keep-alive every second periodic run. */
const KEEP_ALIVE_INTERVAL = 2;

type VfResetType = "VF_RESET" | "VF_FUNC_RESET" | "VF_FULL_RESET" | "FLR";

/**
 * hclgevf: the VF's ae_dev (hns3vf/hclgevf_main.c, hclgevf_mbx.c). Everything the VF learns
 * from its PF comes as a mailbox message on the misc vector: answers to synchronous requests
 * (hclgevf_get_mbx_resp waits 0.5-1 s for the flag hclgevf_mbx_handler sets; nothing polls),
 * link status (hclgevf_ae_start clears HCLGEVF_STATE_PF_PUSH_LINK_STATUS and asks; the
 * periodic task asks again every run until a LINK_STAT_CHANGE carrying PUSH_LINK_STATUS_EN
 * arrives) and reset notices. A VF function reset asserts itself through a synchronous mailbox
 * (HCLGE_MBX_RESET), so it fails while the misc vector is dead; failures are retried at once up
 * to HCLGEVF_RESET_MAX_FAIL_CNT, then HCLGEVF_STATE_RST_FAIL stops the periodic task. An FLR runs
 * hclgevf_reset_prepare_general / hclgevf_reset_done, which frees and re-allocates MSI-X
 * (hclgevf_pci_reset, since 09e6b30eeb25) and does not retry a failed rebuild.
 */
export class Hclgevf implements AeDev {
  readonly cause: EventCause;
  readonly reset: ResetStateMachine;
  readonly service: ServiceTask;
  /** Messages between the VF and its PF: the PF's answers land in the VF's CRQ. */
  readonly pf: Mailbox;
  loaded = false;
  linkUp = false;
  deadReason: string | null = null;
  portResets = 0;
  /** The PF's own port (the wire): the link the PF reports. */
  pfLinkUp = true;
  /** HCLGEVF_STATE_DOWN. */
  private down = true;
  /** HCLGEVF_STATE_PF_PUSH_LINK_STATUS. */
  private pushLinkStatus = false;
  /** HCLGE_COMM_STATE_CMD_DISABLE: the command queue awaits re-init after a reset. */
  private cmdDisabled = false;
  private serviceRuns = 0;
  private requested = false;
  private requestReason = "";
  private pendingReset: VfResetType | null = null;
  private taskQueued = false;

  constructor(private readonly c: AeContext) {
    const { m, layout, p, t, cpu } = c;
    this.cause = new EventCause(m.device, layout.misc, p.miscCauseRefire, m.acct.bus, cpu);
    this.pf = new Mailbox(
      m.sim,
      "vf-mbx",
      () => this.cause.set(CauseBit.MBX),
      t.mailboxResponse,
      m.sim.streams.get("guest/vf-mbx"),
      cpu,
    );
    this.pf.onAsync = (msg) => this.hclgevf_mbx_async_handler(msg);
    this.reset = new ResetStateMachine(p.resetMaxFailCnt, cpu, () => {
      this.service.stop(); // HCLGEVF_STATE_RST_FAIL
      this.deadReason = "HCLGEVF_STATE_RST_FAIL";
    });
    this.service = new ServiceTask(m.sim, p.serviceTaskPeriod, (full) => {
      if (full) this.hclgevf_periodic_service_task();
    });
    m.acct.bus.onDelivered(layout.misc, () => this.hclgevf_misc_irq_handle());
  }

  // --- probe and removal ---

  /** hclgevf_init_hdev, then the NIC client's hns3_client_init: 0 or an error. */
  *init(): Step<number> {
    const { layout } = this.c;
    if (this.c.cpu.on) this.c.cpu.log("hclgevf_init_hdev", { num_msi: layout.numMsi });
    yield this.hclgevf_init_msi_and_misc();
    this.loaded = true;
    this.deadReason = null;
    this.cmdDisabled = false;
    // hclgevf_configure (basic info, port VLAN state, queue info, queue depth, media type),
    // hclgevf_init_vlan_config, then hns3_init_mac_addr (get, set): synchronous requests.
    for (const what of [
      "basic-info",
      "vlan-state",
      "qinfo",
      "qdepth",
      "media",
      "vlan",
      "mac",
      "set-mac",
    ]) {
      const r: number = yield this.sync(what);
      if (r !== 0) {
        this.deadReason = `probe failed: no answer from the PF (${what})`;
        return r;
      }
    }
    this.service.start();
    return 0;
  }

  *uninit(): Step {
    this.service.stop();
    yield this.hclgevf_misc_irq_uninit_and_msi();
    this.loaded = false;
    this.down = true;
  }

  // --- hnae3 ops for the NIC client ---

  /** hclgevf_reset_tqp: HCLGE_MBX_QUEUE_RESET, answered by the PF. */
  *resetQueues(): Step<number> {
    return yield this.sync("queue-reset");
  }

  /** hclgevf_ae_start: clear DOWN and PF_PUSH_LINK_STATUS, ask for the link and its mode. */
  // biome-ignore lint/correctness/useYield: an hnae3 op; its requests are asynchronous
  *start(): Step {
    this.down = false;
    this.pushLinkStatus = false;
    this.hclgevf_request_link_info();
    this.hclgevf_update_link_mode();
  }

  /** hclgevf_ae_stop: DOWN, queues reset through the PF (result ignored), link down. */
  *stop(): Step {
    this.down = true;
    yield this.sync("queue-reset");
    this.updateLink(false);
  }

  /** hclgevf_reset_event: ask for a VF function reset (HCLGEVF_RESET_REQUESTED). */
  resetEvent(reason: string): void {
    if (this.c.cpu.on) this.c.cpu.log("hclgevf_reset_event", { reason });
    this.requested = true;
    this.requestReason = reason;
    this.scheduleResetTask();
  }

  // --- FLR ---

  /** hclgevf_reset_prepare_general(HNAE3_FLR_RESET), then the misc vector off. */
  *flrPrepare(): Step {
    this.reset.attempts++;
    yield this.prepare("FLR");
    this.cause.enable(false);
  }

  /** hclgevf_reset_done: misc vector on, rebuild; a failure is only logged. */
  *flrDone(): Step {
    this.cause.enable(true);
    const r: number = yield this.rebuild("FLR", this.reset.failCnt);
    if (r !== 0) {
      this.deadReason = "fail to rebuild after FLR";
      if (this.c.cpu.on) this.c.cpu.log("fail to rebuild", { ret: r });
    }
  }

  deviceReset(): void {
    this.cause.clear(-1);
    this.cause.enabled = false;
    this.pf.flush();
  }

  forget(): void {
    this.deviceReset();
    this.service.stop();
    this.loaded = false;
    this.down = true;
    this.linkUp = false;
    this.requested = false;
    this.pendingReset = null;
  }

  pendingRecovery(): string | null {
    if (this.reset.running || this.taskQueued) return "reset";
    if (this.pf.waiting > 0) return "mailbox";
    if (!this.loaded || this.deadReason !== null) return null;
    if (this.c.nic.dev.txTimeoutPending) return "TX timeout";
    if (this.c.roce.initializing) return "RoCE init";
    if (this.c.nic.running && !this.linkUp && this.service.running && !this.cause.stuck)
      return "link request";
    return null;
  }

  // --- interrupts and tasks ---

  /** hclgevf_misc_irq_handle: disable, read and clear the cause, handle it, re-enable. */
  private hclgevf_misc_irq_handle(): void {
    if (!this.loaded) return;
    const cause = this.cause;
    cause.enable(false);
    const bits = cause.bits; // hclgevf_check_evt_cause: a reset first, else the mailbox
    if (bits & CauseBit.RESET) {
      cause.clear(CauseBit.RESET);
      this.cmdDisabled = true;
      this.pendingReset = "VF_RESET";
      this.scheduleResetTask();
    } else if (bits & CauseBit.MBX) {
      cause.clear(CauseBit.MBX);
      if (!this.cmdDisabled) this.pf.receive(); // hclgevf_mbx_handler drains the CRQ
    } else {
      cause.clear(bits);
    }
    cause.enable(true);
  }

  /** hclgevf_mbx_async_handler: a link status from the PF, and the push flag it carries. */
  private hclgevf_mbx_async_handler(msg: AsyncMessage): void {
    if (msg.kind !== "link") return; // HCLGE_MBX_LINK_STAT_MODE: nothing for the model
    this.updateLink(msg.value === 1);
    this.pushLinkStatus = true; // HCLGE_MBX_PUSH_LINK_STATUS_EN is always set by the PF
  }

  /** hclgevf_periodic_service_task (a full run; RST_FAIL stops the task in ServiceTask). */
  private hclgevf_periodic_service_task(): void {
    if (this.reset.rstFail || !this.loaded) return;
    this.serviceRuns++;
    if (this.serviceRuns % KEEP_ALIVE_INTERVAL === 0) {
      // hclgevf_keep_alive: an asynchronous message the PF does not answer.
    }
    if (this.down) return;
    if (!this.pushLinkStatus) this.hclgevf_request_link_info();
    this.hclgevf_update_link_mode();
  }

  /** hclgevf_request_link_info: HCLGE_MBX_GET_LINK_STATUS, answered by a LINK_STAT_CHANGE. */
  private hclgevf_request_link_info(): void {
    if (this.cmdDisabled) return;
    this.pf.send(() => ({ kind: "link", value: this.pfLinkUp ? 1 : 0 }));
  }

  /** hclgevf_update_link_mode: two HCLGE_MBX_GET_LINK_MODE requests, answered asynchronously. */
  private hclgevf_update_link_mode(): void {
    if (this.cmdDisabled) return;
    this.pf.send(() => ({ kind: "mode", value: 0 }));
    this.pf.send(() => ({ kind: "mode", value: 1 }));
  }

  /** hclgevf_update_link_status: forced down while DOWN; a change goes to the NIC client. */
  private updateLink(up: boolean): void {
    const state = up && !this.down;
    if (state === this.linkUp) return;
    this.linkUp = state;
    if (this.c.cpu.on) this.c.cpu.log("hclgevf_update_link_status", { link: state ? 1 : 0 });
    this.c.nic.linkStatusChange(state);
  }

  /** A synchronous request to the PF: 0, or -EIO when no answer comes (or the cmdq is off). */
  private *sync(what: string): Step<number> {
    if (this.cmdDisabled) return EIO;
    const timeout = this.c.t.vfMailboxTimeout.sample(this.c.rng);
    const ok: boolean = yield this.pf.request(what, timeout);
    return ok ? 0 : EIO;
  }

  private scheduleResetTask(): void {
    if (this.taskQueued || !this.loaded) return;
    this.taskQueued = true;
    spawn(this.c.m.sim, this.hclgevf_reset_service_task(), "hclgevf_reset_service_task");
  }

  /** hclgevf_reset_service_task, under reset_sem: a pending reset, else a requested one. */
  private *hclgevf_reset_service_task(): Step {
    yield this.c.lock.acquire();
    try {
      this.taskQueued = false;
      if (!this.loaded) return;
      const pending = this.pendingReset;
      if (pending !== null) {
        this.pendingReset = null;
        if (this.requestReason !== "timeline") this.portResets++;
        const steps: ResetSteps = {
          prepare: () => this.prepare(pending),
          wait: () => this.hclgevf_reset_wait(pending),
          rebuild: (failCnt) => this.rebuild(pending, failCnt),
        };
        yield this.reset.run(steps, pending);
      } else if (this.requested) {
        this.requested = false;
        this.pendingReset = "VF_FUNC_RESET"; // reset_level: HNAE3_VF_FUNC_RESET
        this.scheduleResetTask();
      }
    } finally {
      this.c.lock.release();
    }
  }

  /** hclgevf_reset_prepare: clients down, then hclgevf_reset_prepare_wait. */
  private *prepare(type: VfResetType): Step<number> {
    yield this.c.nic.resetDown(); // -> hclgevf_ae_stop
    if (type === "VF_FUNC_RESET") {
      const r: number = yield this.sync("reset"); // HCLGE_MBX_RESET, need_resp
      if (r !== 0) {
        if (this.c.cpu.on) this.c.cpu.log("failed to assert VF reset", { ret: r });
        return r;
      }
    }
    this.cmdDisabled = true;
    yield RESET_SYNC_TIME;
    return 0;
  }

  /** hclgevf_reset_wait: poll every 20 ms, then let the hardware settle. */
  private *hclgevf_reset_wait(type: VfResetType): Step<number> {
    const busy = this.c.t.resetWait.sample(this.c.rng);
    if (busy > RESET_WAIT_TIMEOUT) {
      yield RESET_WAIT_TIMEOUT;
      return -16;
    }
    yield Math.ceil(busy / RESET_POLL) * RESET_POLL || RESET_POLL;
    yield type === "VF_FULL_RESET" ? FULL_RESET_SETTLE : RESET_SETTLE;
    return 0;
  }

  /**
   * hclgevf_reset_rebuild: RoCE UNINIT; hclgevf_reset_stack (NIC UNINIT, hclgevf_reset_hdev,
   * NIC INIT, NIC UP); then RoCE INIT, whose failure counts only while reset_fail_cnt < 4.
   */
  private *rebuild(type: VfResetType, failCnt: number): Step<number> {
    const { nic, roce } = this.c;
    const nicLoaded = nic.registered;
    yield roce.uninit(ROCE_RST_UNINIT_DELAY);
    yield nic.uninit();
    const r: number = yield this.hclgevf_reset_hdev(type);
    if (r !== 0) {
      if (this.c.cpu.on) this.c.cpu.log("hclge device re-init failed, VF is disabled!", { ret: r });
      return r;
    }
    if (nicLoaded) nic.init();
    const up: number = yield nic.resetUp();
    if (up !== 0) return up;
    if (roce.loaded) {
      const rr: number = yield roce.init();
      if (rr !== 0 && failCnt < this.c.p.roceFailIgnoredFrom) return rr;
    }
    return 0;
  }

  /**
   * hclgevf_reset_hdev: hclgevf_pci_reset (MSI-X freed and re-allocated for a full reset and,
   * since 09e6b30eeb25, an FLR), the receive queues and command queue re-initialised, then
   * hclgevf_init_vlan_config's synchronous request.
   */
  private *hclgevf_reset_hdev(type: VfResetType): Step<number> {
    const reinit =
      type === "VF_FULL_RESET" || (type === "FLR" && (this.c.p.msiReinitOnFlr ?? true));
    if (reinit) {
      yield this.hclgevf_misc_irq_uninit_and_msi();
      yield this.hclgevf_init_msi_and_misc();
    }
    this.pf.flush(); // hclgevf_arq_init, hclge_comm_cmd_init: the queues start empty
    this.cmdDisabled = false;
    return yield this.sync("vlan");
  }

  /** hclgevf_init_msi + hclgevf_misc_irq_init (request_irq, clear the cause, enable). */
  private *hclgevf_init_msi_and_misc(): Step {
    const { m, layout } = this.c;
    yield m.guest.enable(layout.numMsi);
    yield m.guest.unmask(layout.misc);
    this.cause.clear(-1);
    this.cause.enable(true);
  }

  /** hclgevf_misc_irq_uninit (disable, free_irq) + hclgevf_uninit_msi (pci_free_irq_vectors). */
  private *hclgevf_misc_irq_uninit_and_msi(): Step {
    const { m, layout } = this.c;
    this.cause.enable(false);
    yield m.guest.mask(layout.misc);
    yield m.guest.disable();
  }
}
