import { defineKind, Lock } from "../../engine/index.js";
import { Cpu, type Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import type { Gates } from "../../model/traffic/traffic.js";
import type { GuestDriver } from "../driver.js";
import { checkTable, locked, oncePerParams, poissonEvents, setupState } from "../driver-kit.js";

import { CauseBit } from "../event-cause.js";
import { classifyOutcome, type DriverOutcome } from "../outcome.js";
import { IcePf } from "./ice-pf.js";
import { type IceLayout, iceLayout } from "./layout.js";
import { type IceParams, iceTiming } from "./params.js";

/** The layout and the latency distributions are the same for every run of a scenario. */
const layoutOf = oncePerParams(iceLayout);
const timingOf = oncePerParams(iceTiming);

const OICR_EVENT = defineKind("guest", "ice-oicr-event");

/**
 * The guest's E810 stack for one PF: ice (ice-pf.ts with its PF VSI, Flow Director VSI and
 * OICR) and irdma on ice's auxiliary device. The scenario's actions call in here; each runs
 * under the driver lock (rtnl_lock / the devlink lock), as the reset work does.
 */
export class IceDriver implements GuestDriver {
  readonly layout: IceLayout;
  readonly pf: IcePf;
  private readonly lock: Lock;
  private readonly cpu: Cpu;

  constructor(
    private readonly m: Machine,
    readonly p: IceParams,
    load: QueueLoad | null,
  ) {
    this.layout = layoutOf(p);
    checkTable(m, this.layout.numMsi);
    const sim = m.sim;
    const rng = sim.streams.get("guest/ice");
    this.cpu = new Cpu(sim, "ice", rng);
    this.lock = new Lock(sim, "rtnl");
    this.pf = new IcePf(m, this.layout, p, timingOf(p), load, this.lock, rng, this.cpu);
    if (p.oicrEventRate > 0)
      poissonEvents(sim, "guest/ice/oicr-events", p.oicrEventRate, OICR_EVENT, () => {
        if (this.pf.loaded) this.pf.oicr.set(CauseBit.OTHER);
      });
  }

  // --- the scenario's actions ---

  /** ice_probe (with irdma binding inside it when rdmaAtProbe). */
  *load(): Step {
    yield locked(this.lock, this.doLoad());
  }

  /** ice_remove. */
  *unload(): Step {
    yield locked(this.lock, this.pf.remove());
  }

  /** ndo_open: ice_open (-EBUSY while a reset is in progress). */
  *up(): Step {
    yield locked(this.lock, this.doUp());
  }

  /** ndo_stop: ice_stop. */
  *down(): Step {
    yield locked(this.lock, this.pf.lan.close());
  }

  /** modprobe irdma: it binds to the auxiliary device ice plugged at probe. */
  *rdmaLoad(): Step {
    yield locked(this.lock, this.doRdmaLoad());
  }

  /** rmmod irdma: icrdma_remove. */
  *rdmaUnload(): Step {
    yield locked(this.lock, this.doRdmaUnload());
  }

  /** ethtool -L combined <count>: ice_set_channels. */
  *channels(count: number): Step {
    yield locked(this.lock, this.ice_set_channels(count));
  }

  /** ethtool --reset (ice_ethtool_reset): ice_schedule_reset(PFR). */
  reset(): void {
    this.pf.ice_schedule_reset("PFR", "timeline");
  }

  /** A guest-initiated FLR: the PCI core's reset_prepare, the FLR through the host, reset_done. */
  *flr(): Step {
    yield locked(this.lock, this.doFlr());
  }

  /** QEMU resets the device under the guest (vfio_pci_reset): the driver's state is gone. */
  *qemuReset(): Step {
    yield locked(this.lock, this.doQemuReset());
  }

  /** The firmware's link comes up now. */
  linkUpNow(): void {
    this.pf.firmwareLinkUpNow();
  }

  /** Generic traffic gated on the driver follows it at each action. */
  syncGates(gates: Gates): void {
    const pf = this.pf;
    gates.get("loaded").set(pf.loaded);
    gates.get("nic").set(pf.lan.running);
    gates.get("rdma").set(pf.irdma.registered);
    gates.get("roce").set(pf.irdma.registered);
  }

  /** What the run ended in (src/guest/outcome.ts), with `timelineBusy` from the runner. */
  outcome(timelineBusy: boolean): DriverOutcome {
    const m = this.m;
    const pf = this.pf;
    const now = m.sim.now;
    const lan = pf.lan;
    return classifyOutcome(
      {
        dead:
          pf.deadReason ??
          (pf.hangingGlobalReset ? "CORER/GLOBR never rebuilt: its OICR interrupt was lost" : null),
        pending: timelineBusy ? "timeline action" : pf.pendingRecovery(now),
        shouldBeUp: pf.loaded && lan.ifUp,
        linkUp: lan.dev.carrier,
        roceLoaded: pf.loaded && pf.irdma.driverLoaded,
        roceOk: pf.irdma.registered && !pf.irdma.failed,
        stalledQueues: lan.running ? lan.dev.stalledQueues() : 0,
        linkUpNs: lan.dev.carrier ? lan.dev.carrierOnAt : null,
        resetAttempts: pf.resetAttempts,
        portResets: pf.portResets,
        rstFail: pf.reset.rstFail,
        roceFailed: pf.irdma.failed,
        txTimeouts: lan.dev.watchdog.timeouts,
        mailboxTimeouts: pf.irdma.cqp.timeouts,
        queueStallNs: lan.dev.stallTime(now),
        miscStuck: pf.oicr.stuck,
      },
      setupState(m, pf.probeFailed),
    );
  }

  // --- steps ---

  private *doLoad(): Step {
    if (this.pf.loaded) return;
    const r: number = yield this.pf.probe();
    this.pf.probeFailed = r === 0 ? null : `ice_probe failed (${r})`;
  }

  private *doUp(): Step {
    const pf = this.pf;
    if (!pf.loaded) return;
    if (pf.resetInProgress) {
      // ice_open: "can't open net device while reset is in progress"
      if (this.cpu.on) this.cpu.log("ice_open: -EBUSY, reset in progress", {});
      return;
    }
    yield pf.lan.open();
  }

  private *doRdmaLoad(): Step {
    const irdma = this.pf.irdma;
    irdma.driverLoaded = true;
    if (this.pf.loaded && !irdma.bound) yield irdma.probe();
  }

  private *doRdmaUnload(): Step {
    const irdma = this.pf.irdma;
    irdma.driverLoaded = false;
    yield irdma.remove();
  }

  /**
   * ice_set_channels: refused with -EBUSY while an RDMA driver is bound to the auxiliary device
   * ("Cannot change channels when RDMA is active", a49a2713f00e); more than ice_get_max_txq
   * (num_online_cpus) is -EINVAL; otherwise ice_vsi_recfg_qs.
   */
  private *ice_set_channels(count: number): Step {
    const pf = this.pf;
    if (!pf.loaded) return;
    const from = pf.lan.channels;
    if (pf.irdma.bound) {
      if (this.cpu.on)
        this.cpu.log("ice_set_channels: Cannot change channels when RDMA is active", {
          from,
          to: count,
          err: "-EBUSY",
        });
      return;
    }
    if (count > this.p.cpus) {
      if (this.cpu.on)
        this.cpu.log("ice_set_channels: more than ice_get_max_txq", { to: count, err: "-EINVAL" });
      return;
    }
    if (count === from) return;
    if (this.cpu.on) this.cpu.log("ice_set_channels", { from, to: count });
    yield pf.lan.setChannels(count);
    pf.hangCheck.reset(pf.lan.dev.queues);
  }

  private *doFlr(): Step {
    const pf = this.pf;
    const loaded = pf.loaded;
    if (this.cpu.on) this.cpu.log("FLR", { loaded });
    if (loaded) yield pf.flrPrepare(); // ice_pci_err_reset_prepare
    yield this.m.guest.flr(); // the FLR bit, reset by the host (pci_try_reset_function)
    pf.deviceReset();
    if (loaded) yield pf.flrDone(); // ice_pci_err_reset_done
  }

  private *doQemuReset(): Step {
    this.pf.forget();
    yield this.m.qemu.vfio_pci_reset();
    this.m.guest.forget();
  }
}
