import {
  type Distribution,
  Lock,
  parseDistribution,
  type RandomStream,
  sleep,
  type Time,
} from "../engine/index.js";
import { Cpu, type Step } from "../model/cpu.js";
import type { Machine } from "../model/machine.js";
import type { Hns3Params } from "./hns3-params.js";
import { type LinkMode, LinkMonitor } from "./link-monitor.js";
import { Mailbox } from "./mailbox.js";

/** Vector layout of the function (MODEL.md section 6). */
export interface Hns3Layout {
  readonly misc: number;
  /** Queue vectors unmasked at interface up, ascending. */
  readonly tqp: readonly number[];
  /** RoCE vectors: [abnormal, AEQ, CEQ...] at base + 0, base + 1, base + 2.. */
  readonly roceBase: number;
  readonly abnormal: number;
  readonly aeq: number;
  readonly ceqs: readonly number[];
  /** num_msi: vectors the driver allocates (pci_alloc_irq_vectors max). */
  readonly numMsi: number;
}

export function hns3Layout(p: Hns3Params): Hns3Layout {
  const roceBase = p.roceBase ?? p.nicVectors;
  const tqpCount = p.tqpVectors ?? p.nicVectors - 1;
  if (tqpCount > p.nicVectors - 1) {
    throw new Error(
      `driver.tqpVectors: ${tqpCount} is more than nicVectors - 1 (${p.nicVectors - 1})`,
    );
  }
  if (roceBase < p.nicVectors) {
    throw new Error(`driver.roceBase: ${roceBase} overlaps the NIC vectors 0..${p.nicVectors - 1}`);
  }
  const ceqs: number[] = [];
  for (let i = 2; i < p.roceVectors; i++) ceqs.push(roceBase + i);
  return {
    misc: 0,
    tqp: Array.from({ length: tqpCount }, (_, i) => i + 1),
    roceBase,
    abnormal: roceBase,
    aeq: roceBase + 1,
    ceqs,
    numMsi: roceBase + p.roceVectors,
  };
}

export interface Hns3Outcome {
  /** When the guest last saw the link come up, or null. */
  linkUpNs: Time | null;
  resetAttempts: number;
  /** At the end of the run the port is down: permanent failure, or down with no reset under way. */
  linkFailed: boolean;
  /** HCLGE_STATE_RST_FAIL reached. */
  rstFail: boolean;
  roceFailed: boolean;
  txTimeouts: number;
  mailboxTimeouts: number;
}

/**
 * The guest's HNS3 NIC + hns_roce driver as far as interrupts go (hclge_main.c, hclgevf_main.c,
 * hns3_enet.c, hns_roce_hw_v2.c): which vectors it unmasks when, the link service task, the
 * mailbox commands whose completions ride on interrupts, the TX watchdog, and reset handling
 * (hclge_reset with retries and HCLGE_STATE_RST_FAIL; the FLR rebuild without retry).
 */
export class Hns3Driver {
  readonly layout: Hns3Layout;
  readonly link: LinkMonitor;
  readonly roceMailbox: Mailbox;
  readonly vfMailbox: Mailbox;
  loaded = false;
  nicUp = false;
  roceUp = false;
  rstFail = false;
  /** An FLR rebuild failed before the NIC came up: the port stays down. */
  nicDead = false;
  resetting = false;
  /** A reset was asked for and has not started yet (requests coalesce, as reset_pending does). */
  private resetRequested = false;
  roceFailed = false;
  resetAttempts = 0;
  txTimeouts = 0;
  private failCnt = 0;
  private readonly rtnl: Lock;
  private readonly cpu: Cpu;
  private readonly rng: RandomStream;
  private readonly linkUpDelay: Distribution;
  private readonly resetWait: Distribution;
  private readonly resetRetryDelay: Distribution;
  readonly msiReinitOnFlr: boolean;

  constructor(
    private readonly m: Machine,
    readonly p: Hns3Params,
  ) {
    this.layout = hns3Layout(p);
    if (this.layout.numMsi > m.params.device.tableSize) {
      throw new Error(
        `driver: the layout needs ${this.layout.numMsi} vectors but params.device.tableSize is ${m.params.device.tableSize}`,
      );
    }
    const sim = m.sim;
    this.cpu = new Cpu(sim, "hns3", sim.streams.get("guest/hns3"));
    this.rng = sim.streams.get("guest/hns3");
    this.rtnl = new Lock(sim, "rtnl");
    this.linkUpDelay = parseDistribution(p.linkUpDelay, "driver.linkUpDelay");
    this.resetWait = parseDistribution(p.resetWait, "driver.resetWait");
    this.resetRetryDelay = parseDistribution(p.resetRetryDelay, "driver.resetRetryDelay");
    const response = parseDistribution(p.mailboxResponse, "driver.mailboxResponse");
    this.msiReinitOnFlr = p.msiReinitOnFlr ?? p.function === "vf";
    const mode: LinkMode = p.linkMode ?? (p.function === "vf" ? "push" : "poll");
    const bus = m.acct.bus;
    this.link = new LinkMonitor(
      sim,
      mode,
      p.linkPollPeriod,
      m.device,
      bus,
      this.layout.misc,
      response,
      sim.streams.get("guest/link"),
      this.cpu,
    );
    this.roceMailbox = new Mailbox(
      sim,
      "roce-mbox",
      m.device,
      bus,
      this.layout.aeq,
      response,
      sim.streams.get("guest/roce-mbox"),
      this.cpu,
    );
    this.vfMailbox = new Mailbox(
      sim,
      "vf-mbox",
      m.device,
      bus,
      this.layout.misc,
      response,
      sim.streams.get("guest/vf-mbox"),
      this.cpu,
    );
    m.onStall = (v, at) => this.queueStalled(v, at);
  }

  // --- actions (each under the rtnl lock) ---

  /** Driver probe: hclge_init_msi (pci_alloc_irq_vectors) and the misc vector (hclge_misc_irq_init). */
  *load(): Step {
    yield this.locked(this.doLoad());
  }

  /** ifup: the queue vectors are enabled in ascending order (hns3_nic_net_up). */
  *up(): Step {
    yield this.locked(this.doUp());
  }

  *down(): Step {
    yield this.rtnl.acquire();
    this.setDown();
    this.rtnl.release();
  }

  /** modprobe hns_roce_hw_v2: RoCE vectors, then event-mode mailbox commands on the AEQ. */
  *roceLoad(): Step {
    yield this.locked(this.roceInit());
  }

  *roceUnload(): Step {
    yield this.locked(this.roceUninit());
  }

  /** rmmod: RoCE and the NIC go down, the misc vector is freed, MSI-X is disabled (hclge_uninit_ae_dev). */
  *unload(): Step {
    yield this.locked(this.doUnload());
  }

  /** A function reset (hclge_reset), e.g. asked for by the TX watchdog. */
  *reset(reason = "request"): Step {
    yield this.locked(this.resetTask(reason));
  }

  /** A guest-initiated FLR: reset_prepare, the FLR through the host, reset_done (no retry). */
  *flr(): Step {
    yield this.locked(this.doFlr());
  }

  /** QEMU resets the device under the guest (vfio_pci_reset): the driver's state is gone. */
  *qemuReset(): Step {
    yield this.locked(this.doQemuReset());
  }

  outcome(): Hns3Outcome {
    // A port counts as failed only if it should be up: the driver is loaded, or it died in a reset.
    const shouldBeUp = this.loaded || this.rstFail || this.nicDead;
    const linkFailed =
      shouldBeUp && !this.link.guestUp && (this.rstFail || this.nicDead || !this.resetting);
    return {
      linkUpNs: this.link.guestUp ? this.link.upAt : null,
      resetAttempts: this.resetAttempts,
      linkFailed,
      rstFail: this.rstFail,
      roceFailed: this.roceFailed,
      txTimeouts: this.txTimeouts,
      mailboxTimeouts: this.roceMailbox.timeouts + this.vfMailbox.timeouts,
    };
  }

  // --- steps ---

  private *doLoad(): Step {
    if (this.cpu.on) this.cpu.log("hclge_init_msi", { num_msi: this.layout.numMsi });
    yield this.m.guest.enable(this.layout.numMsi);
    yield this.m.guest.unmask(this.layout.misc); // hclge_misc_irq_init
    this.m.gates.get("loaded").set(true);
    this.loaded = true;
    this.nicDead = false;
    this.link.start();
  }

  private *doUp(): Step {
    if (!this.loaded || this.nicUp) return;
    if (this.cpu.on) this.cpu.log("hns3_nic_net_up", { queues: this.layout.tqp.length });
    yield this.m.guest.unmask(this.layout.tqp);
    this.m.gates.get("nic").set(true);
    this.nicUp = true;
    this.link.firmwareUpAfter(this.linkUpDelay.sample(this.rng));
  }

  private setDown(): void {
    this.m.gates.get("nic").set(false);
    this.link.down();
    this.nicUp = false;
  }

  /** NIC UNINIT: the queue vectors are freed (free_irq masks them). */
  private *nicUninit(): Step {
    this.setDown();
    yield this.m.guest.mask(this.layout.tqp);
  }

  /** hns_roce init: abnormal, the CEQs, then the AEQ last; then event-mode mailboxes. */
  private *roceInit(): Step<boolean> {
    if (!this.loaded) return false;
    const l = this.layout;
    if (this.cpu.on)
      this.cpu.log("hns_roce_init", { base_vector: l.roceBase, vectors: this.p.roceVectors });
    yield this.m.guest.unmask([l.abnormal, ...l.ceqs, l.aeq]);
    this.m.gates.get("roce").set(true);
    for (let i = 0; i < this.p.roceMailboxes; i++) {
      const ok: boolean = yield this.roceMailbox.request(`init-${i}`, this.p.roceMailboxTimeout);
      if (!ok) {
        this.roceFailed = true;
        if (this.cpu.on) this.cpu.log("RoCE init failed", { mailbox: i });
        return false;
      }
    }
    this.roceUp = true;
    this.roceFailed = false;
    return true;
  }

  private *roceUninit(): Step {
    const l = this.layout;
    this.m.gates.get("roce").set(false);
    if (this.roceUp || this.roceFailed) yield this.m.guest.mask([l.abnormal, l.aeq, ...l.ceqs]);
    this.roceUp = false;
  }

  /**
   * hclge_reset: prepare (RoCE UNINIT, NIC UNINIT), wait for the hardware, rebuild (RoCE INIT,
   * NIC UP). A failed attempt is retried while reset_fail_cnt < HCLGE_RESET_MAX_FAIL_CNT; then
   * HCLGE_STATE_RST_FAIL stops the service task. A RoCE INIT failure stops counting as a failure
   * once reset_fail_cnt reaches roceFailIgnoredFrom.
   */
  private *resetTask(reason: string): Step {
    this.resetRequested = false;
    if (this.rstFail || !this.loaded) return;
    this.resetting = true;
    for (;;) {
      this.resetAttempts++;
      if (this.cpu.on)
        this.cpu.log("hclge_reset", {
          reason,
          attempt: this.resetAttempts,
          reset_fail_cnt: this.failCnt,
        });
      yield this.roceUninit();
      yield this.nicUninit();
      yield sleep(this.resetWait.sample(this.rng));
      const roceOk: boolean = yield this.roceInit();
      const failed = !roceOk && this.failCnt < this.p.roceFailIgnoredFrom;
      if (!failed) {
        yield this.doUp();
        this.failCnt = 0;
        break;
      }
      if (this.failCnt < this.p.resetMaxFailCnt) {
        this.failCnt++;
        yield sleep(this.resetRetryDelay.sample(this.rng));
        continue;
      }
      this.rstFail = true;
      this.link.stop();
      if (this.cpu.on) this.cpu.log("HCLGE_STATE_RST_FAIL", { attempts: this.resetAttempts });
      break;
    }
    this.resetting = false;
  }

  private *doFlr(): Step {
    this.resetAttempts++;
    this.resetting = true;
    if (this.cpu.on)
      this.cpu.log("FLR", { function: this.p.function, msi_reinit: this.msiReinitOnFlr });
    const wasLoaded = this.loaded;
    if (wasLoaded) {
      yield this.roceUninit();
      yield this.nicUninit();
    }
    yield this.m.guest.flr();
    if (wasLoaded) yield this.flrRebuild();
    this.resetting = false;
  }

  /** hclge(vf)_reset_done -> rebuild; on failure only "fail to rebuild" is logged. */
  private *flrRebuild(): Step {
    const l = this.layout;
    if (this.msiReinitOnFlr) {
      // hclgevf_reset_hdev -> misc irq uninit, uninit/init MSI, misc irq init.
      yield this.m.guest.mask(l.misc);
      yield this.m.guest.disable();
      yield this.m.guest.enable(l.numMsi);
      yield this.m.guest.unmask(l.misc);
    }
    if (this.p.function === "vf") {
      // NIC INIT asks the PF for its resources and configuration (answers on the misc vector).
      for (let i = 0; i < this.p.vfInitMailboxes; i++) {
        if (!((yield this.vfMailbox.request(`init-${i}`, this.p.vfMailboxTimeout)) as boolean)) {
          this.nicDead = true;
          if (this.cpu.on) this.cpu.log("fail to rebuild", { step: "NIC INIT", mailbox: i });
          return;
        }
      }
      yield this.doUp();
      yield this.roceInit();
    } else {
      // PF: RoCE INIT comes before NIC UP; its failure returns before the NIC is up.
      if (!((yield this.roceInit()) as boolean)) {
        this.nicDead = true;
        if (this.cpu.on) this.cpu.log("fail to rebuild", { step: "RoCE INIT" });
        return;
      }
      yield this.doUp();
    }
  }

  private *doUnload(): Step {
    if (!this.loaded) return;
    yield this.roceUninit();
    yield this.nicUninit();
    yield this.m.guest.mask(this.layout.misc); // hclge_misc_irq_uninit
    yield this.m.guest.disable(); // hclge_uninit_msi -> pci_free_irq_vectors
    this.m.gates.get("loaded").set(false);
    this.loaded = false;
    this.link.halt();
  }

  private *doQemuReset(): Step {
    this.m.gates.get("nic").set(false);
    this.m.gates.get("roce").set(false);
    this.m.gates.get("loaded").set(false);
    this.link.down();
    this.loaded = false;
    this.nicUp = false;
    this.roceUp = false;
    yield this.m.qemu.vfio_pci_reset();
    this.m.guest.forget();
  }

  /**
   * The netdev watchdog (dev_watchdog): a queue whose interrupt was lost times out after
   * txTimeout, but only while the carrier is up: a port whose driver never saw link-up has its
   * queues stopped and is not reset.
   */
  private queueStalled(v: number, at: Time): void {
    if (!this.layout.tqp.includes(v)) return;
    if (this.cpu.on) this.cpu.log("queue stalled", { vector: v });
    const check = (): void => {
      const src = this.m.sources.find((s) => s.vector === v && s.napi);
      const carrier = this.link.guestUp;
      if (
        src?.stalled &&
        carrier &&
        this.nicUp &&
        !this.resetting &&
        !this.resetRequested &&
        !this.rstFail
      ) {
        this.txTimeouts++;
        this.resetRequested = true;
        if (this.cpu.on) this.cpu.log("hns3_tx_timeout", { vector: v });
        this.m.spawn(this.reset("tx-timeout"), "reset");
      }
    };
    this.m.sim.at(at + this.p.txTimeout, check);
  }

  private *locked(body: Step<unknown>): Step {
    yield this.rtnl.acquire();
    try {
      yield body;
    } finally {
      this.rtnl.release();
    }
  }
}
