import { Lock } from "../../engine/index.js";
import { Cpu, type Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import type { Gates } from "../../model/traffic/traffic.js";
import type { GuestDriver } from "../driver.js";
import { checkTable, locked, oncePerParams, setupState } from "../driver-kit.js";

import { classifyOutcome, type DriverOutcome } from "../outcome.js";
import { BnxtEn } from "./bnxt-en.js";
import { BnxtRe } from "./bnxt-re.js";
import { type BnxtLayout, bnxtLayout } from "./layout.js";
import { type BnxtParams, bnxtTiming } from "./params.js";

/** The layout and the latency distributions are the same for every run of a scenario. */
const layoutOf = oncePerParams(bnxtLayout);
const timingOf = oncePerParams(bnxtTiming);

/**
 * The guest's Broadcom stack for one function: bnxt_en (NIC) and bnxt_re (its RoCE auxiliary
 * driver), composed of the shared mechanisms (netdev channels with NAPI, TX rings and the
 * watchdog; the async events on ring 0's completion ring; bnxt_re's CREQ as a completion queue
 * with timeout-then-poll; its NQs as NAPI-like queues). The scenario's actions run under the
 * driver lock (rtnl / the netdev instance lock), as bnxt's reset tasks do.
 */
export class BnxtDriver implements GuestDriver {
  readonly layout: BnxtLayout;
  readonly en: BnxtEn;
  readonly re: BnxtRe;
  /** modprobe bnxt_re happened: it binds to the auxiliary device whenever bnxt_en probes. */
  private reModule = false;
  private readonly lock: Lock;
  private readonly cpu: Cpu;

  constructor(
    private readonly m: Machine,
    readonly p: BnxtParams,
    load: QueueLoad | null,
  ) {
    this.layout = layoutOf(p);
    checkTable(m, this.layout.numMsi);
    const sim = m.sim;
    const t = timingOf(p);
    const rng = sim.streams.get("guest/bnxt");
    this.cpu = new Cpu(sim, "bnxt", rng);
    this.lock = new Lock(sim, "rtnl");
    const window = load === null ? null : { start: load.start, stop: load.stop };
    const re = new BnxtRe(m, this.layout, p, t, window, this.cpu);
    this.re = re;
    this.en = new BnxtEn(m, this.layout, p, t, load, this.lock, rng, this.cpu, {
      stop: () => re.suspend(),
      start: () => re.resume(),
      irqStop: () => re.stopIrq(),
      irqRestart: () => re.startIrq(),
      carrierOn: () => re.checkPort(),
    });
    re.en = this.en;
  }

  // --- the scenario's actions ---

  /** modprobe bnxt_en: bnxt_init_one; a loaded bnxt_re binds to the auxiliary device. */
  *load(): Step {
    yield locked(this.lock, this.doLoad());
  }

  /** rmmod bnxt_en: the auxiliary device goes (bnxt_re removed), then bnxt_remove_one. */
  *unload(): Step {
    yield locked(this.lock, this.doUnload());
  }

  /** ifup: bnxt_open. */
  *up(): Step {
    yield locked(this.lock, this.en.ndoOpen());
  }

  /** ifdown: bnxt_close. */
  *down(): Step {
    yield locked(this.lock, this.en.ndoStop());
  }

  /** modprobe bnxt_re: bnxt_re_probe on bnxt_en's auxiliary device, if bnxt_en is probed. */
  *rdmaLoad(): Step {
    yield locked(this.lock, this.doRdmaLoad());
  }

  /** rmmod bnxt_re: bnxt_re_remove. */
  *rdmaUnload(): Step {
    this.reModule = false;
    yield locked(this.lock, this.re.remove());
  }

  /** ethtool -L combined <count>: bnxt_set_channels. */
  *channels(count: number): Step {
    yield locked(this.lock, this.en.setChannels(count));
  }

  /** ethtool --reset / devlink reload: the firmware resets and notifies (RESET_NOTIFY). */
  reset(): void {
    if (this.en.loaded) this.en.resetNotify();
  }

  /** Not modelled: bnxt has no reset_prepare / reset_done hooks (the scenario check refuses it). */
  // biome-ignore lint/correctness/useYield: refused before a run starts
  *flr(): Step {
    throw new Error("bnxt: guest-flr is not modelled");
  }

  /** QEMU resets the device under the guest (vfio_pci_reset): the drivers' state is gone. */
  *qemuReset(): Step {
    yield locked(this.lock, this.doQemuReset());
  }

  /** The PHY's link comes up now. */
  linkUpNow(): void {
    this.en.linkUpNow();
  }

  /** Generic traffic gated on the driver ("loaded", "nic", "roce"/"rdma") follows it. */
  syncGates(gates: Gates): void {
    gates.get("loaded").set(this.en.loaded);
    gates.get("nic").set(this.en.open);
    gates.get("roce").set(this.re.registered);
    gates.get("rdma").set(this.re.registered);
  }

  /** What the run ended in (src/guest/outcome.ts). */
  outcome(timelineBusy: boolean): DriverOutcome {
    const { m, en, re } = this;
    const now = m.sim.now;
    const carrier = en.dev.carrier;
    return classifyOutcome(
      {
        dead: null, // bnxt has no permanent-failure state in this model
        pending: timelineBusy ? "timeline action" : this.pendingRecovery(),
        shouldBeUp: en.loaded && en.ifUp,
        linkUp: carrier,
        roceLoaded: this.reModule && en.loaded,
        roceOk: re.up && !re.commandStalled,
        stalledQueues: (en.open ? en.dev.stalledQueues() : 0) + re.stalledNqs(),
        linkUpNs: carrier ? en.dev.carrierOnAt : null,
        resetAttempts: en.resetTasks + en.fwResets,
        portResets: en.portResets,
        rstFail: false,
        roceFailed: re.failed,
        txTimeouts: en.dev.watchdog.timeouts,
        mailboxTimeouts: re.creq.timeouts,
        queueStallNs: en.dev.stallTime(now) + re.stallTime(now),
        miscStuck: en.asyncEvents.stuck || re.creq.stuck,
      },
      setupState(m, null),
    );
  }

  // --- steps ---

  /** A recovery the run ended in the middle of, or null. */
  private pendingRecovery(): string | null {
    const { en, re } = this;
    if (en.resetQueued || en.resetRunning) return "reset task";
    if (en.fwResetting) return "firmware reset";
    if (re.initializing) return "bnxt_re init";
    if (re.commandStalled) return "RCFW command wait (the CREQ is polled after rcfwMaxTimeout)";
    if (en.dev.txTimeoutPending) return "TX timeout";
    if (en.open && !en.dev.carrier) {
      if (en.autonegPending) return "autonegotiation";
      if (en.asyncEvents.pending) return "link event";
    }
    return null;
  }

  private *doLoad(): Step {
    if (this.en.loaded) return;
    yield this.en.probe();
    if (this.reModule) yield this.re.probe(); // bnxt_rdma_aux_device_add binds bnxt_re
  }

  private *doRdmaLoad(): Step {
    this.reModule = true;
    if (this.en.loaded) yield this.re.probe();
  }

  private *doUnload(): Step {
    if (!this.en.loaded) return;
    yield this.re.remove(); // bnxt_rdma_aux_device_del
    yield this.en.remove();
  }

  private *doQemuReset(): Step {
    this.en.forget();
    this.re.forget();
    yield this.m.qemu.vfio_pci_reset();
    this.m.guest.forget();
  }
}
