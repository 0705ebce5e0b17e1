import { Lock, spawn, type Time } from "../../engine/index.js";
import { Cpu, type Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import type { Machine } from "../../model/machine.js";
import type { Gates } from "../../model/traffic/traffic.js";
import type { GuestDriver } from "../driver.js";
import { checkTable, locked, oncePerParams, setupState } from "../driver-kit.js";

import { classifyOutcome, type DriverOutcome } from "../outcome.js";
import { type Mlx5Layout, mlx5Layout } from "./layout.js";
import { type Mlx5Context, Mlx5Core } from "./mlx5-core.js";
import { Mlx5Ib } from "./mlx5-ib.js";
import { Mlx5e } from "./mlx5e.js";
import { type Mlx5Params, mlx5Timing } from "./params.js";

/** The layout and the latency distributions are the same for every run of a scenario. */
const layoutOf = oncePerParams(mlx5Layout);
const timingOf = oncePerParams(mlx5Timing);

/**
 * The guest's mlx5 stack for one ConnectX function: mlx5_core (MSI-X table, control vector
 * with the command/async/pages EQs, completion EQs on demand, the command interface), its
 * Ethernet auxiliary driver mlx5e (channels, TX watchdog, EQ-poll recovery) and mlx5_ib. The
 * scenario's actions call in here under the lock the kernel takes: the devlink instance lock
 * for probe, removal, reload and the auxiliary drivers, rtnl + state_lock for netdev
 * operations.
 */
export class Mlx5Driver implements GuestDriver {
  readonly layout: Mlx5Layout;
  readonly core: Mlx5Core;
  readonly eth: Mlx5e;
  readonly ib: Mlx5Ib;
  /** Probe failed: the driver never came up. */
  probeFailed: string | null = null;
  /** Reloads run (devlink reload, health recovery). */
  resetAttempts = 0;
  /** Reloads the driver started itself (health recovery after the function was reset). */
  healthRecoveries = 0;
  /** The function was reset under the driver and no reload has followed yet. */
  deviceLost = false;
  /** A reload (or the health poller's verdict that leads to one) is under way. */
  private reloading = 0;
  private readonly c: Mlx5Context;

  constructor(
    private readonly m: Machine,
    readonly p: Mlx5Params,
    load: QueueLoad | null,
  ) {
    this.layout = layoutOf(p);
    checkTable(m, this.layout.numMsi);
    const sim = m.sim;
    const rng = sim.streams.get("guest/mlx5");
    this.c = {
      m,
      layout: this.layout,
      p,
      t: timingOf(p),
      cpu: new Cpu(sim, "mlx5", rng),
      rng,
      rtnl: new Lock(sim, "rtnl"),
      devlink: new Lock(sim, "devlink"),
    };
    this.core = new Mlx5Core(this.c);
    this.eth = new Mlx5e(this.c, this.core, load);
    this.ib = new Mlx5Ib(this.c, this.core);
  }

  // --- the scenario's actions ---

  /** modprobe mlx5_core: probe_one -> mlx5_init_one (mlx5_load), then the Ethernet aux device. */
  *load(): Step {
    yield locked(this.c.devlink, this.doLoad());
  }

  /** rmmod mlx5_core: the aux drivers go, then mlx5_unload (MSI-X freed). */
  *unload(): Step {
    yield locked(this.c.devlink, this.doUnload());
  }

  /** ifup: mlx5e_open. */
  *up(): Step {
    yield locked(this.c.rtnl, this.eth.open());
  }

  /** ifdown: mlx5e_close. */
  *down(): Step {
    yield locked(this.c.rtnl, this.eth.close());
  }

  /** modprobe mlx5_ib: its probe, then its first kernel user's CQs. */
  *rdmaLoad(): Step {
    yield locked(this.c.devlink, this.doRdmaLoad());
  }

  *rdmaUnload(): Step {
    yield locked(this.c.devlink, this.doRdmaUnload());
  }

  /** ethtool -L combined <count>: mlx5e_ethtool_set_channels. */
  *channels(count: number): Step {
    yield locked(this.c.rtnl, this.eth.setChannels(count));
  }

  /** devlink dev reload (driver_reinit): mlx5_unload_one + mlx5_load_one. */
  reset(): void {
    if (!this.core.loaded) return;
    this.reloading++;
    spawn(this.m.sim, this.reload("devlink reload", false), "mlx5_devlink_reload");
  }

  /**
   * A guest-initiated FLR (sysfs reset). mlx5_err_handler has no reset_prepare/reset_done, so
   * the PCI core saves the config space, resets the function and restores it (MSI-X included)
   * without telling the driver; the function's EQs, queues and commands are gone under it.
   * With flrRecovery "health", the health poller finds it dead and recovers it by reload.
   */
  *flr(): Step {
    const loaded = this.core.loaded;
    if (this.c.cpu.on) this.c.cpu.log("FLR", { loaded, reset_prepare: false });
    yield this.m.guest.flr();
    if (!loaded) return;
    this.deviceLost = true;
    this.core.deviceReset();
    this.eth.deviceReset();
    if (this.p.flrRecovery === "health") {
      this.reloading++;
      spawn(this.m.sim, this.healthRecovery(), "mlx5_fw_fatal_reporter_err_work");
    }
  }

  /** QEMU resets the device (vfio_pci_reset): the guest's driver state is gone. */
  *qemuReset(): Step {
    this.eth.forget();
    this.ib.forget();
    this.core.forget();
    this.deviceLost = false;
    yield this.m.qemu.vfio_pci_reset();
    this.m.guest.forget();
  }

  /** Not an action of this design (a VF's carrier follows the vport query). */
  linkUpNow(): void {}

  syncGates(gates: Gates): void {
    gates.get("loaded").set(this.core.loaded);
    gates.get("nic").set(this.eth.active);
    gates.get("rdma").set(this.ib.registered);
    gates.get("roce").set(this.ib.registered);
  }

  outcome(timelineBusy: boolean): DriverOutcome {
    const m = this.m;
    const now = m.sim.now;
    const dev = this.eth.dev;
    return classifyOutcome(
      {
        dead:
          this.deviceLost && this.reloading === 0
            ? "function reset under the driver (FLR without reset_prepare/reset_done) and not recovered"
            : null,
        pending: this.pendingRecovery() ?? (timelineBusy ? "timeline action" : null),
        shouldBeUp: this.core.loaded && this.eth.ifUp,
        linkUp: dev.carrier,
        roceLoaded: this.ib.loaded,
        roceOk: this.ib.ok,
        stalledQueues: this.eth.active ? dev.stalledQueues() : 0,
        linkUpNs: dev.carrier ? dev.carrierOnAt : null,
        resetAttempts: this.resetAttempts,
        portResets: this.healthRecoveries + this.eth.channelReopens,
        rstFail: false,
        roceFailed: this.ib.failed,
        txTimeouts: dev.watchdog.timeouts,
        mailboxTimeouts: this.core.cmd.timeouts,
        queueStallNs: dev.stallTime(now),
        miscStuck: this.core.ctrlStuck,
      },
      setupState(m, this.probeFailed),
    );
  }

  /** The recovery the run ended in the middle of, or null. */
  private pendingRecovery(): string | null {
    if (this.reloading > 0) return "reload (health recovery or devlink reload)";
    if (this.core.cmd.waiting > 0)
      return "command completion (MLX5_TO_CMD_MS, then mlx5_cmd_eq_recover)";
    if (this.eth.rxWaiting > 0) return "RX timeout (MLX5E_RQ_WQES_TIMEOUT)";
    if (this.eth.txWorkPending) return "TX timeout recovery";
    if (this.eth.dev.txTimeoutPending) return "TX timeout";
    if (this.ib.busy) return "mlx5_ib probe or CQ creation";
    return null;
  }

  // --- steps ---

  private *doLoad(): Step {
    if (this.core.loaded) return;
    const r: number = yield this.mlx5_load_one();
    this.probeFailed = r === 0 ? null : `probe failed (${r})`;
  }

  private *doUnload(): Step {
    if (!this.core.loaded) return;
    this.ib.loaded = false;
    this.eth.ifUp = false;
    yield this.mlx5_unload_one();
  }

  private *doRdmaLoad(): Step {
    if (!this.core.loaded || this.ib.loaded) return;
    this.ib.loaded = true;
    yield this.ib.probe();
  }

  private *doRdmaUnload(): Step {
    this.ib.loaded = false;
    yield this.ib.remove();
  }

  /**
   * mlx5_load_one: mlx5_load, then mlx5_attach_device / mlx5_register_device: the Ethernet
   * netdev attaches (and reopens if it was up), mlx5_ib probes again if it is loaded.
   */
  private *mlx5_load_one(): Step<number> {
    let r: number = yield this.core.mlx5_load();
    if (r === 0) r = yield this.eth.attach();
    if (r === 0 && this.ib.loaded) yield this.ib.probe();
    return r;
  }

  /** mlx5_unload_one: the aux drivers detach (mlx5_ib removed, mlx5e closed), mlx5_unload. */
  private *mlx5_unload_one(): Step {
    yield this.ib.remove();
    yield this.eth.detach();
    yield this.core.mlx5_unload();
  }

  /** devlink reload / health recovery: unload_one then load_one, under the devlink lock. */
  private *reload(why: string, fatal: boolean): Step {
    try {
      yield this.c.devlink.acquire();
      try {
        if (!this.core.loaded) return;
        this.resetAttempts++;
        if (this.c.cpu.on) this.c.cpu.log("mlx5 reload", { why });
        if (fatal) this.core.cmd.enterErrorState(); // mlx5_enter_error_state: mlx5_cmd_flush
        yield this.mlx5_unload_one();
        this.core.cmd.leaveErrorState();
        this.deviceLost = false;
        const r: number = yield this.mlx5_load_one();
        if (r !== 0) this.probeFailed = `reload failed (${r})`;
      } finally {
        this.c.devlink.release();
      }
    } finally {
      this.reloading--;
    }
  }

  /**
   * poll_health (every MLX5_TO_HEALTH_POLL_INTERVAL_MS) finds the function dead [assumed for
   * an FLR], mlx5_fw_fatal_reporter_err_work -> mlx5_health_try_recover: mlx5_handle_bad_state
   * (mlx5_unload_one) and mlx5_recover_device (mlx5_load_one).
   */
  private *healthRecovery(): Step {
    const d: Time = this.c.t.flrDetect.sample(this.c.rng);
    if (d > 0) yield d;
    this.healthRecoveries++;
    yield this.reload("health recovery", true); // takes over flr()'s count in `reloading`
  }
}
