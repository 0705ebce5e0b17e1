import {
  defineKind,
  type EventHandle,
  MS,
  Priority,
  S,
  spawn,
  type Time,
} from "../../engine/index.js";
import type { Step } from "../../model/cpu.js";
import { CauseBit, EventCause } from "../event-cause.js";
import { type AsyncMessage, Mailbox } from "../mailbox.js";
import { ResetStateMachine, type ResetSteps } from "../reset-state-machine.js";
import { ServiceTask } from "../service-task.js";
import type { AeContext, AeDev } from "./ae-dev.js";

const FW_LINK = defineKind("guest", "firmware-link");

/** hclge_reset_event: a request this long after the last reset asks for a FUNC reset again (4 * 5 * HZ). */
const RESET_LEVEL_DECAY = 20 * S;
/** HCLGE_RESET_SYNC_TIME: hclge_reset_prepare_wait sleeps this after asserting. */
const RESET_SYNC_TIME = 100 * MS;
/** HCLGE_RESET_WATI_MS: hclge_reset_wait polls the reset status this often. */
const RESET_POLL = 100 * MS;
/** HCLGE_RESET_WAIT_CNT x HCLGE_RESET_WATI_MS: hclge_reset_wait gives up after this. */
const RESET_WAIT_TIMEOUT = 350 * RESET_POLL;
/** HNS_ROCE_V2_HW_RST_UNINT_DELAY: RoCE UNINIT in a reset sleeps this first. */
const ROCE_RST_UNINIT_DELAY = 100 * MS;

type ResetType = "FUNC" | "GLOBAL" | "FLR";

/**
 * hclge: the PF's ae_dev (hns3pf/hclge_main.c, hclge_mbx.c).
 *
 * Link: the periodic service task polls the firmware (hclge_update_link_status over the polled
 * command queue); a firmware link push arrives on the misc vector and only makes the task run
 * at once (hclge_handle_link_change_event), so a lost misc interrupt delays link-up by at most
 * one period. Resets: hclge_reset_event (throttled by HCLGE_RESET_INTERVAL, escalating FUNC ->
 * GLOBAL), the reset service task, hclge_reset with hclge_reset_err_handle. A FUNC reset needs
 * no interrupt; a GLOBAL reset is only noticed through the misc vector's reset cause, so it
 * hangs if that interrupt is lost. An FLR runs hclge_reset_prepare_general / hclge_reset_done
 * with no retry: a failed rebuild leaves the port down.
 */
export class Hclge implements AeDev {
  readonly cause: EventCause;
  readonly reset: ResetStateMachine;
  readonly service: ServiceTask;
  /** The IMP's messages to the PF (CRQ): link pushes. */
  private readonly fw: Mailbox;
  loaded = false;
  linkUp = false;
  deadReason: string | null = null;
  portResets = 0;
  private resetLevel: "FUNC" | "GLOBAL" = "FUNC";
  private lastResetTime: Time = 0;
  private request: "FUNC" | "GLOBAL" | null = null;
  private pendingReset: ResetType | null = null;
  private requestReason = "";
  private taskQueued = false;
  private macEnabled = false;
  private fwLinkUp = false;
  private fwTimer: EventHandle | null = null;
  /** A GLOBAL reset was asserted and its reset interrupt has not been handled. */
  private globalAssertedAt: Time | null = null;
  private readonly fwLinkUpFn = (): void => this.firmwareLinkUp();

  constructor(private readonly c: AeContext) {
    const { m, layout, p, t, cpu } = c;
    this.cause = new EventCause(m.device, layout.misc, p.miscCauseRefire, m.acct.bus, cpu);
    this.fw = new Mailbox(
      m.sim,
      "imp-crq",
      () => this.cause.set(CauseBit.MBX),
      t.mailboxResponse,
      m.sim.streams.get("guest/imp"),
      cpu,
    );
    this.fw.onAsync = (msg) => this.hclge_mbx_async(msg);
    this.reset = new ResetStateMachine(p.resetMaxFailCnt, cpu, () => {
      this.service.stop(); // HCLGE_STATE_RST_FAIL: the periodic task stops for good
      this.deadReason = "HCLGE_STATE_RST_FAIL";
    });
    this.service = new ServiceTask(m.sim, p.serviceTaskPeriod, () =>
      this.hclge_periodic_service_task(),
    );
    m.acct.bus.onDelivered(layout.misc, () => this.hclge_misc_irq_handle());
  }

  // --- probe and removal ---

  *init(): Step<number> {
    const { m, layout } = this.c;
    if (this.c.cpu.on) this.c.cpu.log("hclge_init_ae_dev", { num_msi: layout.numMsi });
    yield m.guest.enable(layout.numMsi); // hclge_init_msi
    yield m.guest.unmask(layout.misc); // hclge_misc_irq_init: request_irq
    this.loaded = true;
    this.deadReason = null;
    this.lastResetTime = m.sim.now;
    this.resetLevel = "FUNC";
    this.cause.enable(true); // hclge_enable_vector(&hdev->misc_vector, true)
    this.service.start(); // hclge_task_schedule(hdev, round_jiffies_relative(HZ))
    return 0;
  }

  *uninit(): Step {
    const { m, layout } = this.c;
    this.service.stop();
    this.cause.enable(false);
    yield m.guest.mask(layout.misc); // hclge_misc_irq_uninit: free_irq
    yield m.guest.disable(); // hclge_uninit_msi: pci_free_irq_vectors
    this.loaded = false;
    this.stopMac();
  }

  // --- hnae3 ops for the NIC client ---

  /** hclge_reset_tqp over the polled command queue: no interrupt involved. */
  // biome-ignore lint/correctness/useYield: an hnae3 op that the PF completes without waiting
  *resetQueues(): Step<number> {
    return 0;
  }

  /** hclge_ae_start: the MAC is enabled; autonegotiation brings the link up later. */
  // biome-ignore lint/correctness/useYield: an hnae3 op that the PF completes without waiting
  *start(): Step {
    this.macEnabled = true;
    this.linkUp = false;
    if (!this.fwLinkUp && this.fwTimer === null) {
      this.fwTimer = this.c.m.sim.schedule(
        this.c.t.linkUpDelay.sample(this.c.rng),
        this.fwLinkUpFn,
        Priority.NORMAL,
        FW_LINK,
      );
    }
    this.service.kick(); // hns3_nic_net_open -> set_timer_task(true)
  }

  /** hclge_ae_stop: MAC off, link down. */
  // biome-ignore lint/correctness/useYield: an hnae3 op that the PF completes without waiting
  *stop(): Step {
    this.stopMac();
    this.updateLink(false);
  }

  /** hclge_reset_event (from hns3_nic_net_timeout). */
  resetEvent(reason: string): void {
    const now = this.c.m.sim.now;
    if (now < this.lastResetTime + this.c.p.resetInterval) {
      if (this.c.cpu.on) this.c.cpu.log("hclge_reset_event: too soon, dropped", { reason });
      return;
    }
    if (now > this.lastResetTime + RESET_LEVEL_DECAY) this.resetLevel = "FUNC";
    if (this.c.cpu.on) this.c.cpu.log("received reset event", { reason, level: this.resetLevel });
    this.request = this.resetLevel;
    this.requestReason = reason;
    this.scheduleResetTask();
    if (this.resetLevel === "FUNC") this.resetLevel = "GLOBAL";
  }

  // --- FLR (pci reset_prepare / reset_done) ---

  /** hclge_reset_prepare_general(HNAE3_FLR_RESET): its prepare cannot fail here (no VFs). */
  *flrPrepare(): Step {
    this.reset.attempts++;
    yield this.prepare();
    this.cause.enable(false);
  }

  /** hclge_reset_done: misc vector on, rebuild; a failure is only logged ("fail to rebuild"). */
  *flrDone(): Step {
    this.cause.enable(true);
    const r: number = yield this.rebuild("FLR", 0);
    if (r !== 0) {
      this.deadReason = "fail to rebuild after FLR";
      if (this.c.cpu.on) this.c.cpu.log("fail to rebuild", { ret: r });
    }
  }

  deviceReset(): void {
    this.cause.clear(-1);
    this.cause.enabled = false;
    this.fw.flush();
  }

  forget(): void {
    this.service.stop();
    this.cause.clear(-1);
    this.cause.enabled = false;
    this.fw.flush();
    this.loaded = false;
    this.stopMac();
    this.linkUp = false;
    this.request = null;
    this.pendingReset = null;
  }

  pendingRecovery(): string | null {
    if (this.reset.running || this.taskQueued) return "reset";
    if (this.globalAssertedAt !== null && !this.cause.stuck) return "global reset";
    if (!this.loaded || this.deadReason !== null) return null;
    if (this.c.nic.dev.txTimeoutPending) return "TX timeout";
    if (this.c.roce.initializing) return "RoCE init";
    if (this.c.nic.running && !this.linkUp && this.service.running) {
      if (this.fwLinkUp) return "link poll";
      if (this.fwTimer !== null) return "autonegotiation";
    }
    return null;
  }

  /** The firmware reports link up now (scenario action). */
  firmwareLinkUpNow(): void {
    if (this.fwTimer !== null) this.c.m.sim.cancel(this.fwTimer);
    this.firmwareLinkUp();
  }

  /** A GLOBAL reset whose interrupt never came: the hardware reset the port under the driver. */
  get hangingGlobalReset(): boolean {
    return this.globalAssertedAt !== null && this.cause.stuck;
  }

  // --- interrupts and tasks ---

  /** hclge_misc_irq_handle: disable, read the cause, handle one event, clear, maybe re-enable. */
  private hclge_misc_irq_handle(): void {
    if (!this.loaded) return;
    const cause = this.cause;
    cause.enable(false);
    const bits = cause.bits; // hclge_check_event_cause
    if (bits & CauseBit.RESET) {
      // A GLOBAL reset: reset_pending, CMD_DISABLE; the vector stays disabled until
      // hclge_clear_reset_cause in the rebuild.
      cause.clear(CauseBit.RESET);
      this.globalAssertedAt = null;
      this.pendingReset = "GLOBAL";
      this.scheduleResetTask();
      return;
    }
    if (bits & CauseBit.MBX) {
      cause.clear(CauseBit.MBX);
      this.fw.receive(); // hclge_mbx_task_schedule -> hclge_mbx_handler drains the CRQ
    } else {
      cause.clear(bits);
    }
    cause.enable(true);
  }

  /** hclge_mbx_handler for an IMP message: a link push schedules the service task now. */
  private hclge_mbx_async(msg: AsyncMessage): void {
    if (msg.kind === "link") this.service.kick(); // hclge_handle_link_change_event
  }

  /** hclge_periodic_service_task: link first, always (RST_FAIL stops the task in ServiceTask). */
  private hclge_periodic_service_task(): void {
    if (this.reset.rstFail || !this.loaded) return;
    this.updateLink(this.macEnabled && this.fwLinkUp && this.globalAssertedAt === null);
  }

  /** hclge_update_link_status: on a change, tell the NIC client. */
  private updateLink(up: boolean): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    if (this.c.cpu.on) this.c.cpu.log("hclge_update_link_status", { link: up ? 1 : 0 });
    this.c.nic.linkStatusChange(up);
  }

  private firmwareLinkUp(): void {
    this.fwTimer = null;
    if (!this.macEnabled || this.fwLinkUp) return;
    this.fwLinkUp = true;
    if (this.c.cpu.on) this.c.cpu.log("firmware link up", {});
    this.fw.push({ kind: "link", value: 1 }); // HCLGE_MBX_PUSH_LINK_STATUS on the CRQ
  }

  private stopMac(): void {
    this.macEnabled = false;
    this.fwLinkUp = false;
    if (this.fwTimer !== null) this.c.m.sim.cancel(this.fwTimer);
    this.fwTimer = null;
  }

  private scheduleResetTask(): void {
    if (this.taskQueued || !this.loaded) return;
    this.taskQueued = true;
    spawn(this.c.m.sim, this.hclge_reset_service_task(), "hclge_reset_service_task");
  }

  /** hclge_reset_service_task -> hclge_reset_subtask, under reset_sem. */
  private *hclge_reset_service_task(): Step {
    yield this.c.lock.acquire();
    try {
      this.taskQueued = false;
      if (!this.loaded) return;
      this.lastResetTime = this.c.m.sim.now;
      const pending = this.pendingReset;
      if (pending !== null) {
        this.pendingReset = null;
        if (this.requestReason !== "timeline") this.portResets++;
        yield this.hclge_reset(pending);
      }
      const request = this.request;
      if (request !== null) {
        this.request = null;
        this.hclge_do_reset(request);
      }
    } finally {
      this.c.lock.release();
    }
  }

  /** hclge_do_reset: FUNC sets its own pending bit; GLOBAL writes the reset register. */
  private hclge_do_reset(type: "FUNC" | "GLOBAL"): void {
    if (this.c.cpu.on) this.c.cpu.log("hclge_do_reset", { type, reason: this.requestReason });
    if (type === "FUNC") {
      this.pendingReset = "FUNC";
      this.scheduleResetTask();
      return;
    }
    // The hardware resets the whole chip and raises the reset cause on the misc vector.
    this.globalAssertedAt = this.c.m.sim.now;
    for (const q of this.c.nic.dev.queues) q.vector.disable();
    this.cause.set(CauseBit.RESET);
  }

  private *hclge_reset(type: ResetType): Step {
    const steps: ResetSteps = {
      prepare: () => this.prepare(),
      wait: () => this.hclge_reset_wait(),
      rebuild: (failCnt) => this.rebuild(type, failCnt),
    };
    const ok: boolean = yield this.reset.run(steps, type);
    if (ok) this.lastResetTime = this.c.m.sim.now;
  }

  /** hclge_reset_prepare: RoCE and NIC DOWN, then hclge_reset_prepare_wait. */
  private *prepare(): Step<number> {
    yield this.c.nic.resetDown(); // hns3_reset_notify_down_enet
    yield RESET_SYNC_TIME; // hclge_reset_prepare_wait (FUNC: hclge_func_reset_cmd, polled)
    return 0;
  }

  /** hclge_reset_wait: poll the reset status every 100 ms until the hardware is done. */
  private *hclge_reset_wait(): Step<number> {
    const busy = this.c.t.resetWait.sample(this.c.rng);
    if (busy > RESET_WAIT_TIMEOUT) {
      yield RESET_WAIT_TIMEOUT;
      return -16; // "Wait for reset timeout"
    }
    yield Math.ceil(busy / RESET_POLL) * RESET_POLL || RESET_POLL;
    return 0;
  }

  /**
   * hclge_reset_rebuild: RoCE UNINIT, NIC UNINIT, hclge_reset_ae_dev, NIC INIT, clear the reset
   * cause, RoCE INIT (its failure counts only while reset_fail_cnt < 4), NIC UP.
   */
  private *rebuild(type: ResetType, failCnt: number): Step<number> {
    const { nic, roce } = this.c;
    const roceLoaded = roce.loaded;
    const nicLoaded = nic.registered;
    yield roce.uninit(ROCE_RST_UNINIT_DELAY);
    yield nic.uninit();
    if (nicLoaded) nic.init();
    if (type === "GLOBAL") this.cause.enable(true); // hclge_clear_reset_cause
    if (roceLoaded) {
      const r: number = yield roce.init();
      if (r !== 0 && failCnt < this.c.p.roceFailIgnoredFrom) return r;
    }
    const r: number = yield nic.resetUp();
    return r;
  }
}
