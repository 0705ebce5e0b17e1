import { defineKind, Lock } from "../../engine/index.js";
import { Cpu, type Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import type { Gates } from "../../model/traffic/traffic.js";
import type { GuestDriver } from "../driver.js";
import { checkTable, locked, oncePerParams, poissonEvents, setupState } from "../driver-kit.js";

import { CauseBit } from "../event-cause.js";
import { classifyOutcome, type DriverOutcome } from "../outcome.js";
import type { AeDev } from "./ae-dev.js";
import { Hclge } from "./hclge.js";
import { Hclgevf } from "./hclgevf.js";
import { HnsRoce } from "./hns-roce.js";
import { Hns3Enet } from "./hns3-enet.js";
import { type Hns3Layout, hns3Layout } from "./layout.js";
import { type Hns3Params, hns3Timing } from "./params.js";

/** The layout and the latency distributions are the same for every run of a scenario. */
const layoutOf = oncePerParams(hns3Layout);
const timingOf = oncePerParams(hns3Timing);

const MISC_EVENT = defineKind("guest", "misc-event");

/**
 * The guest's HNS3 driver stack for one function, composed of the kernel's own pieces: the
 * ae_dev (hclge for a PF, hclgevf for a VF) with its misc vector, mailbox, service task and
 * reset state machine, and its two clients, the hns3 NIC (NAPI queues, TX rings, netdev
 * watchdog) and hns_roce. The scenario's actions call in here; each runs under the driver lock
 * (rtnl_lock / reset_sem), as the reset task does.
 */
export class Hns3Driver implements GuestDriver {
  readonly layout: Hns3Layout;
  readonly nic: Hns3Enet;
  readonly roce: HnsRoce;
  readonly ae: AeDev;
  /** Probe failed: the driver never came up. */
  probeFailed: string | null = null;
  private readonly lock: Lock;
  private readonly cpu: Cpu;

  constructor(
    private readonly m: Machine,
    readonly p: Hns3Params,
    load: QueueLoad | null,
    /** Other misc causes per second (hardware error reports, PTP): [assumed] background. */
    miscRate = 0,
  ) {
    this.layout = layoutOf(p);
    checkTable(m, this.layout.numMsi);
    const sim = m.sim;
    const t = timingOf(p);
    const rng = sim.streams.get("guest/hns3");
    this.cpu = new Cpu(sim, "hns3", rng);
    this.lock = new Lock(sim, "rtnl");
    this.nic = new Hns3Enet(m, this.layout, p, load, this.cpu);
    this.roce = new HnsRoce(m, this.layout, p, t, sim.streams.get("guest/roce"), this.cpu);
    const ctx = {
      m,
      layout: this.layout,
      p,
      t,
      nic: this.nic,
      roce: this.roce,
      lock: this.lock,
      rng,
      cpu: this.cpu,
    };
    this.ae = p.function === "vf" ? new Hclgevf(ctx) : new Hclge(ctx);
    this.nic.ae = this.ae;
    if (miscRate > 0)
      poissonEvents(sim, "guest/misc-events", miscRate, MISC_EVENT, () => {
        if (this.ae.loaded) this.ae.cause.set(CauseBit.OTHER);
      });
  }

  // --- the scenario's actions ---

  /** Driver probe: the ae_dev (MSI-X, misc vector, ...), then the NIC client's NIC INIT. */
  *load(): Step {
    yield locked(this.lock, this.doLoad());
  }

  /** ifup: hns3_nic_net_open. */
  *up(): Step {
    yield locked(this.lock, this.nic.open());
  }

  /** ifdown: hns3_nic_net_stop. */
  *down(): Step {
    yield locked(this.lock, this.nic.close());
  }

  /** modprobe hns_roce_hw_v2: the RoCE client registers and initialises. */
  *rdmaLoad(): Step {
    yield locked(this.lock, this.doRoceLoad());
  }

  *rdmaUnload(): Step {
    yield locked(this.lock, this.doRoceUnload());
  }

  /** ethtool -L combined <count>: hns3_set_channels. */
  *channels(count: number): Step {
    yield locked(this.lock, this.nic.setChannels(count));
  }

  /** rmmod: RoCE, the NIC client, then the ae_dev (misc vector freed, MSI-X disabled). */
  *unload(): Step {
    yield locked(this.lock, this.doUnload());
  }

  /** A reset asked for from outside (ethtool --reset): through the driver's reset_event. */
  reset(): void {
    if (this.ae.loaded) this.ae.resetEvent("timeline");
  }

  /** A guest-initiated FLR: reset_prepare, the FLR through the host, reset_done. */
  *flr(): Step {
    yield locked(this.lock, this.doFlr());
  }

  /** QEMU resets the device under the guest (vfio_pci_reset): the driver's state is gone. */
  *qemuReset(): Step {
    yield locked(this.lock, this.doQemuReset());
  }

  /** The firmware reports link up now (a PF's wire). */
  linkUpNow(): void {
    if (this.ae instanceof Hclge) this.ae.firmwareLinkUpNow();
  }

  /** What the run ended in (src/guest/outcome.ts), with `timelineBusy` from the runner. */
  outcome(timelineBusy: boolean): DriverOutcome {
    const m = this.m;
    const now = m.sim.now;
    const hanging = this.ae instanceof Hclge && this.ae.hangingGlobalReset;
    const pending = timelineBusy ? "timeline action" : this.ae.pendingRecovery(now);
    return classifyOutcome(
      {
        dead:
          this.ae.deadReason ??
          (hanging ? "GLOBAL reset never handled: its interrupt was lost" : null),
        pending,
        shouldBeUp: this.ae.loaded && this.nic.ifUp,
        linkUp: this.nic.dev.carrier,
        roceLoaded: this.roce.loaded,
        roceOk: this.roce.up,
        stalledQueues: this.nic.running ? this.nic.dev.stalledQueues() : 0,
        linkUpNs: this.nic.dev.carrier ? this.nic.dev.carrierOnAt : null,
        resetAttempts: this.ae.reset.attempts,
        portResets: this.ae.portResets,
        rstFail: this.ae.reset.rstFail,
        roceFailed: this.roce.failed,
        txTimeouts: this.nic.dev.watchdog.timeouts,
        mailboxTimeouts:
          this.roce.mailbox.timeouts + (this.ae instanceof Hclgevf ? this.ae.pf.timeouts : 0),
        queueStallNs: this.nic.dev.stallTime(now),
        miscStuck: this.ae.cause.stuck,
      },
      setupState(m, this.probeFailed),
    );
  }

  // --- steps ---

  private *doLoad(): Step {
    if (this.ae.loaded) return;
    const r: number = yield this.ae.init();
    if (r !== 0) {
      this.probeFailed = this.ae.deadReason ?? `probe failed (${r})`;
      return;
    }
    this.probeFailed = null;
    this.nic.init();
  }

  private *doRoceLoad(): Step {
    if (!this.ae.loaded || this.roce.loaded) return;
    this.roce.loaded = true;
    yield this.roce.init();
  }

  private *doRoceUnload(): Step {
    this.roce.loaded = false;
    yield this.roce.uninit();
  }

  private *doUnload(): Step {
    if (!this.ae.loaded) return;
    yield this.doRoceUnload();
    yield this.nic.close();
    yield this.nic.uninit();
    yield this.ae.uninit();
  }

  private *doFlr(): Step {
    const loaded = this.ae.loaded;
    if (this.cpu.on) this.cpu.log("FLR", { function: this.p.function, loaded });
    if (loaded) yield this.ae.flrPrepare(); // hns3_reset_prepare
    yield this.m.guest.flr(); // the FLR bit, reset by the host (pci_try_reset_function)
    this.ae.deviceReset();
    if (loaded) yield this.ae.flrDone(); // hns3_reset_done
  }

  private *doQemuReset(): Step {
    for (const q of this.nic.dev.queues) q.napi.stop();
    this.nic.forget();
    this.roce.forget();
    this.ae.forget();
    yield this.m.qemu.vfio_pci_reset();
    this.m.guest.forget();
  }

  /** Generic traffic gated on the driver ("loaded", "nic", "roce") follows it at each action. */
  syncGates(gates: Gates): void {
    gates.get("loaded").set(this.ae.loaded);
    gates.get("nic").set(this.nic.running);
    gates.get("roce").set(this.roce.registered);
    gates.get("rdma").set(this.roce.registered);
  }
}
