import { S, spawn, type Time } from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import { QueueVector } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import { ArmedCompletionQueue } from "../armed-completion-queue.js";
import { Napi } from "../napi.js";
import type { BnxtLayout } from "./layout.js";
import type { BnxtParams, BnxtTiming } from "./params.js";

/** What bnxt_re needs to see of bnxt_en (the bnxt_en_dev it registers with). */
export interface EnDev {
  /** bp->irq_tbl exists: MSI-X is allocated (bnxt_register_dev fails with -ENODEV otherwise). */
  readonly irqTable: boolean;
  /** netif_running && netif_carrier_ok: bnxt_re_ib_init reports IB_EVENT_PORT_ACTIVE. */
  readonly portUp: boolean;
}

/** The packet window of the run: RoCE traffic flows inside it once the port is active. */
export interface TrafficWindow {
  readonly start: Time;
  readonly stop: Time;
}

/**
 * bnxt_re (drivers/infiniband/hw/bnxt_re/main.c, qplib_rcfw.c, qplib_fp.c) as far as interrupts
 * go. bnxt_re_dev_init requests the CREQ's interrupt on entry 0 (BNXT_RE_AEQ_IDX:
 * bnxt_qplib_enable_rcfw_channel), sends its first RCFW commands (bnxt_qplib_get_dev_attr,
 * bnxt_qplib_init_rcfw), then enables the NQs on entries 1..R-1 in ascending order
 * (bnxt_re_init_res -> bnxt_qplib_enable_nq, each a request_irq), then more commands
 * (congestion control, QoS, ib_register_device's clients). Every RCFW command completes by a
 * CREQ entry and waits with the CREQ's timeout-then-poll (ArmedCompletionQueue). An NQ carries CQ
 * notifications; its doorbell is re-armed after each tasklet run, so a lost NQ interrupt stops
 * the CQ notifications of that NQ, with no poll to recover them (a Napi without a TX ring).
 *
 * bnxt_en drives it through the ULP calls: bnxt_ulp_stop / bnxt_ulp_start (the auxiliary
 * driver's suspend / resume: the whole device removed and added again), bnxt_ulp_irq_stop /
 * bnxt_ulp_irq_restart (bnxt_re_stop_irq / bnxt_re_start_irq: only the interrupts, around an
 * MSI-X re-allocation).
 */
export class BnxtRe {
  readonly creq: ArmedCompletionQueue;
  /** One NAPI-like context per NQ (bnxt_qplib_service_nq re-arms after each run). */
  readonly nqs: readonly Napi[];
  /** The module is loaded and bound to the auxiliary device: resets add it again. */
  loaded = false;
  /** The rdev exists (bnxt_re_dev_init done, until bnxt_re_dev_uninit). */
  registered = false;
  /** The CREQ's and NQs' interrupts are requested. */
  irqsOn = false;
  /** The last add finished with every RCFW command completed. */
  up = false;
  /** The last add failed (an RCFW command failed: firmware stall). */
  failed = false;
  /** An add is under way. */
  initializing = false;
  /** Verbs commands that failed. */
  verbsFailures = 0;
  /** RoCE traffic flows (the port was reported active once). */
  private portActive = false;
  /** The NQs' load: the CQ notification rate, from when the port is active. */
  private readonly load: { rxPps: number; txPps: number; start: Time; stop: Time };
  en: EnDev | null = null;

  constructor(
    private readonly m: Machine,
    private readonly layout: BnxtLayout,
    private readonly p: BnxtParams,
    private readonly t: BnxtTiming,
    private readonly window: TrafficWindow | null,
    private readonly cpu: Cpu,
  ) {
    const sim = m.sim;
    const bus = m.acct.bus;
    this.creq = new ArmedCompletionQueue(
      sim,
      "creq",
      m.device,
      layout.creq,
      t.rcfwResponse,
      sim.streams.get("guest/bnxt-re/rcfw"),
      bus,
      cpu,
    );
    this.load = {
      rxPps: window === null ? 0 : p.rdmaCqRate,
      txPps: 0,
      start: Number.POSITIVE_INFINITY,
      stop: window === null ? 0 : window.stop,
    };
    this.nqs = layout.nqs.map((v, i) => {
      const q = new QueueVector(
        sim,
        m.device,
        v,
        this.load,
        p.interruptGap,
        sim.streams.get(`rdma/nq/${i}`),
        p.napiRearmOnLoss,
        bus,
      );
      return new Napi(sim, q, null, p.napiPollDelay, bus, cpu);
    });
    if (p.rdmaCmdRate > 0) spawn(sim, this.verbs(p.rdmaCmdRate), "bnxt_re verbs");
  }

  // --- the module ---

  /** modprobe bnxt_re: bnxt_re_probe -> bnxt_re_add_device(BNXT_RE_COMPLETE_INIT). */
  *probe(): Step {
    if (this.loaded) return;
    this.loaded = true;
    yield this.addDevice();
  }

  /** rmmod bnxt_re: bnxt_re_remove -> bnxt_re_remove_device(BNXT_RE_COMPLETE_REMOVE). */
  *remove(): Step {
    this.loaded = false;
    yield this.devUninit();
  }

  // --- ULP calls from bnxt_en ---

  /** bnxt_ulp_stop -> bnxt_re_suspend: the device is removed (BNXT_RE_PRE_RECOVERY_REMOVE). */
  *suspend(): Step {
    if (!this.registered) return;
    if (this.cpu.on) this.cpu.log("bnxt_re_suspend", {});
    yield this.devUninit();
  }

  /** bnxt_ulp_start -> bnxt_re_resume: the device is added again (BNXT_RE_POST_RECOVERY_INIT). */
  *resume(): Step {
    if (!this.loaded || this.registered) return;
    if (this.cpu.on) this.cpu.log("bnxt_re_resume", {});
    yield this.addDevice();
  }

  /** bnxt_ulp_irq_stop -> bnxt_re_stop_irq: every NQ's interrupt, then the CREQ's, freed. */
  *stopIrq(): Step {
    if (!this.irqsOn) return;
    this.irqsOn = false;
    if (this.cpu.on) this.cpu.log("bnxt_re_stop_irq", {});
    for (const nq of this.nqs) nq.stop(); // bnxt_qplib_nq_stop_irq: tasklet off, NQ disarmed
    yield this.m.guest.mask(this.layout.nqs); // free_irq
    this.creq.disable(); // bnxt_qplib_rcfw_stop_irq
    yield this.m.guest.mask(this.layout.creq);
  }

  /** bnxt_ulp_irq_restart -> bnxt_re_start_irq: the CREQ's interrupt, then each NQ's. */
  *startIrq(): Step {
    if (!this.registered || this.irqsOn) return;
    if (this.cpu.on) this.cpu.log("bnxt_re_start_irq", {});
    yield this.m.guest.unmask(this.layout.creq); // bnxt_qplib_rcfw_start_irq: request_irq
    this.creq.enable(); // ... and the CREQ doorbell armed
    for (const nq of this.nqs) {
      yield this.m.guest.unmask(nq.vector.vector); // bnxt_qplib_nq_start_irq
      nq.start(this.m.sim.now);
    }
    this.irqsOn = true;
  }

  /** The RoCE port may have become active (bnxt_re_ib_init, or a later netdev event). */
  checkPort(): void {
    if (this.portActive || !this.up || this.en === null || !this.en.portUp) return;
    if (this.window === null) return;
    this.portActive = true;
    const now = this.m.sim.now;
    this.load.start = Math.max(this.window.start, now);
    if (this.cpu.on) this.cpu.log("IB_EVENT_PORT_ACTIVE", {});
    // Armed NQs start to see CQ notifications.
    for (const nq of this.nqs) if (nq.vector.active && nq.vector.armed) nq.vector.enable(now);
  }

  /** NQs in use whose interrupt was lost. */
  stalledNqs(): number {
    if (!this.irqsOn) return 0;
    let n = 0;
    for (const nq of this.nqs) if (nq.stalled) n++;
    return n;
  }

  stallTime(now: Time): number {
    let t = 0;
    for (const nq of this.nqs) t += nq.stallTime(now);
    return t;
  }

  /** A command is waiting whose completion sits in a CREQ whose interrupt was lost. */
  get commandStalled(): boolean {
    return this.creq.waiting > 0 && this.creq.stuck;
  }

  /** The device was reset under the driver (QEMU reset): nothing is requested any more. */
  forget(): void {
    for (const nq of this.nqs) nq.stop();
    this.creq.flush();
    this.loaded = false;
    this.registered = false;
    this.irqsOn = false;
    this.up = false;
    this.initializing = false;
  }

  // --- steps ---

  /** bnxt_re_add_device: bnxt_re_dev_init, then bnxt_re_ib_init. */
  private *addDevice(): Step {
    this.initializing = true;
    try {
      const r: number = yield this.devInit();
      this.up = r === 0;
      this.failed = r !== 0;
      if (r === 0) this.checkPort(); // bnxt_re_ib_init: PORT_ACTIVE if running with carrier
    } finally {
      this.initializing = false;
    }
  }

  /** bnxt_re_dev_init: 0 or an errno. */
  private *devInit(): Step<number> {
    const { m, layout, p } = this;
    if (this.en === null || !this.en.irqTable) {
      if (this.cpu.on) this.cpu.log("bnxt_register_dev failed", { err: -19 }); // !bp->irq_tbl
      return -19;
    }
    if (this.cpu.on)
      this.cpu.log("bnxt_re_dev_init", { creq: layout.creq, nqs: layout.nqs.length });
    // Chip context, HWRM version query, RCFW channel and CREQ ring allocation (polled HWRM).
    const d = this.t.reInitDelay.sample(m.sim.streams.get("guest/bnxt-re"));
    if (d > 0) yield d;
    this.registered = true;
    yield m.guest.unmask(layout.creq); // bnxt_qplib_enable_rcfw_channel: request_irq
    this.creq.enable();
    this.irqsOn = true;
    for (let i = 0; i < p.rcfwInitCommands; i++) {
      const r: number = yield this.creq.request(`init-${i}`, p.rcfwMaxTimeout);
      if (r !== 0) return (yield this.initFailed(r)) as number;
    }
    for (const nq of this.nqs) {
      yield m.guest.unmask(nq.vector.vector); // bnxt_re_init_res -> bnxt_qplib_enable_nq
      nq.start(m.sim.now);
    }
    for (let i = 0; i < p.rcfwPostCommands; i++) {
      const r: number = yield this.creq.request(`post-${i}`, p.rcfwMaxTimeout);
      if (r !== 0) return (yield this.initFailed(r)) as number;
    }
    return 0;
  }

  private *initFailed(r: number): Step<number> {
    if (this.cpu.on) this.cpu.log("bnxt_re_dev_init failed", { err: r });
    yield this.devUninit();
    return r;
  }

  /** bnxt_re_dev_uninit: NQs off, DEINIT_FUNCTION over RCFW, the CREQ freed. */
  private *devUninit(): Step {
    if (!this.registered) return;
    const { m, layout, p } = this;
    this.up = false;
    if (this.irqsOn) {
      for (const nq of this.nqs) nq.stop(); // bnxt_re_cleanup_res -> bnxt_qplib_disable_nq
      yield m.guest.mask(layout.nqs);
      yield this.creq.request("deinit", p.rcfwMaxTimeout); // bnxt_qplib_deinit_rcfw
      this.creq.disable(); // bnxt_qplib_disable_rcfw_channel: free_irq
      yield m.guest.mask(layout.creq);
    }
    this.creq.flush(); // bnxt_qplib_free_rcfw_channel
    this.irqsOn = false;
    this.registered = false;
  }

  /** A verbs user's control commands (QP/CQ/MR create, modify, destroy) over RCFW. */
  private *verbs(rate: number): Step {
    const rng = this.m.sim.streams.get("guest/bnxt-re/verbs");
    const mean = S / rate;
    for (;;) {
      yield Math.max(1, Math.round(rng.exponential(mean)));
      if (!this.up || this.initializing || !this.irqsOn) continue;
      const r: number = yield this.creq.request("verbs", this.p.rcfwMaxTimeout);
      if (r !== 0) this.verbsFailures++;
    }
  }
}
