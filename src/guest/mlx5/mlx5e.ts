import {
  defineKind,
  type EventHandle,
  MS,
  Priority,
  spawn,
  type Time,
} from "../../engine/index.js";
import type { Step } from "../../model/cpu.js";
import type { QueueLoad } from "../../model/device/queue-vector.js";
import { Netdev } from "../netdev.js";
import type { Mlx5Context, Mlx5Core } from "./mlx5-core.js";

const STATS = defineKind("guest", "mlx5e-stats-read");

/** mlx5e_wait_for_min_rx_wqes sleeps 20 ms between checks (msleep(20)). */
const RX_WQES_POLL = 20 * MS;

/**
 * The mlx5 Ethernet netdev (en_main.c, en/reporter_tx.c, en/reporter_rx.c, en/health.c): one
 * channel per completion vector in use (channel i uses completion vector i, mlx5e_open_channel
 * -> mlx5_comp_irqn_get), each a NAPI queue with its TX ring, and the TX watchdog
 * (watchdog_timeo 15 s). Channels are opened in ascending order, which is what creates the
 * completion EQs (and unmasks their vectors) the first time a vector is used; ifdown/ifup and
 * ethtool -L below the high-water mark unmask nothing. ethtool -L while up is make-before-break
 * (mlx5e_safe_switch_params): the new channels are opened while the old ones carry traffic.
 */
export class Mlx5e {
  readonly dev: Netdev;
  /** mlx5e_attach_netdev done (the netdev is present). */
  attached = false;
  /** IFF_UP: the administrator wants the interface up (kept across a reload). */
  ifUp = false;
  /** MLX5E_STATE_OPENED: channels open. */
  opened = false;
  /** MLX5E_STATE_CHANNELS_ACTIVE. */
  active = false;
  /** Channels waiting in mlx5e_wait_channels_min_rx_wqes on a fired EQ. */
  rxWaiting = 0;
  /** mlx5e_safe_reopen_channels runs from a TX timeout (no EQE found). */
  channelReopens = 0;
  /** TX timeouts reported (mlx5e_reporter_tx_timeout), EQ polls that recovered a queue. */
  txReports = 0;
  eqRecoveries = 0;
  /** The TX-timeout work is queued or running. */
  txWorkPending = false;
  /** The device's queues are gone (an FLR the driver did not see). */
  private deviceLost = false;
  private statsTimer: EventHandle | null = null;
  private statsWorkPending = false;
  private readonly statsFn = (): void => this.statsRead();

  constructor(
    private readonly c: Mlx5Context,
    private readonly core: Mlx5Core,
    load: QueueLoad | null,
  ) {
    const { m, layout, p, cpu } = c;
    this.dev = new Netdev(m, layout.comp, layout.channels, p, load, cpu);
    this.dev.onTxTimeout = () => this.mlx5e_tx_timeout();
  }

  /** Channels in use (params.num_channels). */
  get numChannels(): number {
    return this.dev.queues.length;
  }

  /**
   * mlx5e_attach_netdev: init_tx, init_rx (mlx5e_init_nic_rx -> mlx5e_open_drop_rq: a CQ on
   * completion vector 0, so the first completion EQ and its vector come now, before any
   * ifup), flow steering; then, if the interface was up (a reload), mlx5e_open_locked.
   */
  *attach(): Step<number> {
    const { p } = this.c;
    const half = Math.floor(p.netdevCommands / 2);
    let r = 0;
    for (let i = 0; i < half && r === 0; i++) r = yield this.core.cmd.exec(`netdev-${i}`);
    if (r === 0) r = yield this.core.mlx5_comp_eqn_get(0); // drop RQ CQ: eq_ix 0
    if (r === 0) r = yield this.core.cmd.exec("CREATE_CQ drop");
    if (r === 0) r = yield this.core.cmd.exec("CREATE_RQ drop");
    for (let i = half; i < p.netdevCommands && r === 0; i++)
      r = yield this.core.cmd.exec(`netdev-${i}`);
    if (r !== 0) return r;
    this.attached = true;
    this.deviceLost = false;
    this.startStats();
    if (this.ifUp) {
      yield this.c.rtnl.acquire();
      try {
        r = yield this.mlx5e_open_locked();
      } finally {
        this.c.rtnl.release();
      }
    }
    return r;
  }

  /** mlx5e_detach_netdev: close the channels (IFF_UP stays), then the netdev's resources. */
  *detach(): Step {
    this.stopStats();
    if (!this.attached) return;
    yield this.c.rtnl.acquire();
    try {
      if (this.opened) yield this.mlx5e_close_locked();
    } finally {
      this.c.rtnl.release();
    }
    for (let i = 0; i < this.c.p.netdevCommands; i++) yield this.core.cmd.exec(`netdev-down-${i}`);
    this.attached = false;
  }

  /** ndo_open (mlx5e_open): IFF_UP, mlx5e_open_locked, mlx5_set_port_admin_status(UP). */
  *open(): Step<number> {
    if (!this.attached) return 0;
    this.ifUp = true;
    if (this.opened) return 0;
    const r: number = yield this.mlx5e_open_locked();
    if (r === 0) yield this.core.cmd.exec("PAOS admin up");
    return r;
  }

  /** ndo_stop (mlx5e_close). */
  *close(): Step {
    this.ifUp = false;
    if (this.opened) yield this.mlx5e_close_locked();
  }

  /**
   * ethtool -L combined n (mlx5e_ethtool_set_channels): down, only the parameter changes; up,
   * mlx5e_safe_switch_params with mlx5e_num_channels_changed as the preactivate hook.
   */
  *setChannels(n: number): Step<number> {
    const count = Math.max(1, Math.min(n, this.dev.all.length));
    const from = this.numChannels;
    if (count === from) return 0;
    if (this.c.cpu.on) this.c.cpu.log("mlx5e_ethtool_set_channels", { from, to: count });
    if (!this.opened) {
      this.dev.setInUse(count); // mlx5e_switch_priv_params: the next open uses it
      return 0;
    }
    return yield this.mlx5e_safe_switch_params(count);
  }

  /** The function was reset under the driver: its queues are gone, nothing completes. */
  deviceReset(): void {
    this.deviceLost = true;
    for (const q of this.dev.queues) {
      q.vector.disable(); // the device's CQs no longer exist: no interrupt
      q.ring.starve(); // the stack keeps sending into SQs nobody processes
    }
  }

  /** QEMU reset the device under the guest: nothing of the netdev is left. */
  forget(): void {
    this.stopStats();
    for (const q of this.dev.queues) q.napi.stop();
    this.dev.deactivate();
    this.attached = false;
    this.ifUp = false;
    this.opened = false;
    this.active = false;
    this.deviceLost = false;
  }

  // --- en_main.c ---

  /**
   * mlx5e_open_locked: mlx5e_open_channels, update_rx, mlx5e_activate_priv_channels,
   * update_carrier (mlx5e_update_carrier: QUERY_VPORT_STATE).
   */
  private *mlx5e_open_locked(): Step<number> {
    const count = this.numChannels;
    if (this.c.cpu.on) this.c.cpu.log("mlx5e_open_locked", { channels: count });
    this.opened = true;
    let r: number = yield this.mlx5e_open_channels(count);
    if (r === 0) r = yield this.core.cmd.exec("MODIFY_RQT update_rx");
    if (r !== 0) {
      this.opened = false;
      return r;
    }
    yield this.mlx5e_activate_priv_channels();
    yield this.mlx5e_update_carrier();
    return 0;
  }

  /** mlx5e_close_locked: carrier off, deactivate, close the channels (EQs stay). */
  private *mlx5e_close_locked(): Step {
    this.opened = false;
    this.dev.setCarrier(false);
    this.mlx5e_deactivate_priv_channels();
    yield this.mlx5e_close_channels(this.numChannels);
  }

  /**
   * mlx5e_open_channels: mlx5e_open_channel for i = 0 .. count-1 in order; each first asks for
   * its completion vector (mlx5_comp_irqn_get -> mlx5_comp_eqn_get: a new vector is requested
   * and unmasked now), then creates its CQs, SQs and RQ by command.
   */
  private *mlx5e_open_channels(count: number): Step<number> {
    const { p } = this.c;
    for (let i = 0; i < count; i++) {
      let r: number = yield this.core.mlx5_comp_eqn_get(i);
      for (let k = 0; k < p.channelCommands && r === 0; k++)
        r = yield this.core.cmd.exec(`open ch${i}.${k}`);
      if (r !== 0) return r;
    }
    return 0;
  }

  /** mlx5e_close_channels: destroy each channel's queues (commands); its EQ stays. */
  private *mlx5e_close_channels(count: number): Step {
    for (let i = 0; i < count; i++)
      for (let k = 0; k < this.c.p.channelCommands; k++)
        yield this.core.cmd.exec(`close ch${i}.${k}`);
  }

  /**
   * mlx5e_activate_priv_channels: every channel activated (NAPI on, the ICOSQ NOP whose
   * completion starts the RX fill), then mlx5e_wait_channels_min_rx_wqes. A channel whose
   * completion EQ was left fired by a lost message gets no interrupt: its RQ never fills, the
   * wait gives up after MLX5E_RQ_WQES_TIMEOUT (the first such channel; 0 for later ones), and
   * the RX reporter's recovery (mlx5e_rx_reporter_timeout_recover, from rx_timeout_work since
   * 2025) polls the EQ (mlx5e_health_channel_eq_recover -> mlx5_eq_poll_irq_disabled).
   */
  private *mlx5e_activate_priv_channels(): Step {
    const sim = this.c.m.sim;
    this.active = true;
    const waiting: number[] = [];
    this.dev.queues.forEach((q, i) => {
      if (this.core.compEqs[i]!.fired) waiting.push(i);
      else q.napi.start(sim.now);
    });
    if (waiting.length === 0) return;
    this.rxWaiting = waiting.length;
    let first = true;
    for (const i of waiting) {
      yield first ? this.c.p.rxWqesTimeout : RX_WQES_POLL;
      first = false;
      if (this.c.cpu.on) this.c.cpu.log("Failed to get min RX wqes", { channel: i });
      // mlx5e_reporter_rx_timeout -> mlx5e_rx_reporter_timeout_recover
      if (this.core.compEqs[i]!.pollIrqDisabled() > 0) this.eqRecoveries++;
      if (this.active && i < this.dev.queues.length) this.dev.queues[i]!.napi.start(sim.now);
      this.rxWaiting--;
    }
  }

  /**
   * mlx5e_deactivate_priv_channels: TX stopped (netif_tx_disable), NAPI off on every channel;
   * the channels' SQs are destroyed next, so no TX ring state outlives them.
   */
  private mlx5e_deactivate_priv_channels(): void {
    this.active = false;
    this.dev.stopQueues();
    const now = this.c.m.sim.now;
    for (const q of this.dev.queues) q.ring.reset(now);
  }

  /** mlx5e_update_carrier: QUERY_VPORT_STATE; a VF's vport follows an uplink that is up [assumed]. */
  private *mlx5e_update_carrier(): Step {
    const r: number = yield this.core.cmd.exec("QUERY_VPORT_STATE");
    if (!this.opened) return;
    this.dev.setCarrier(r === 0 && !this.deviceLost); // an error reads as VPORT_STATE_DOWN
  }

  /**
   * mlx5e_safe_switch_params: mlx5e_open_channels(new) while the old channels stay active
   * (make-before-break: new vectors are unmasked with the old ones carrying traffic), then
   * mlx5e_switch_priv_channels: carrier off, deactivate old, the preactivate hook
   * (mlx5e_num_channels_changed: netif_set_real_num_*_queues, RSS update), close old, activate
   * new, carrier back on if it was on.
   */
  private *mlx5e_safe_switch_params(count: number): Step<number> {
    const r: number = yield this.mlx5e_open_channels(count);
    if (r !== 0) {
      yield this.mlx5e_close_channels(count); // err_close
      return r;
    }
    const carrierOk = this.dev.carrier;
    const old = this.numChannels;
    this.dev.setCarrier(false);
    this.mlx5e_deactivate_priv_channels();
    yield this.core.cmd.exec("MODIFY_TIR preactivate");
    yield this.mlx5e_close_channels(old);
    this.dev.setInUse(count);
    yield this.core.cmd.exec("MODIFY_RQT update_rx");
    yield this.mlx5e_activate_priv_channels();
    if (carrierOk && this.opened) this.dev.setCarrier(true);
    return 0;
  }

  // --- TX timeout (en_main.c mlx5e_tx_timeout_work, en/reporter_tx.c) ---

  /** ndo_tx_timeout = mlx5e_tx_timeout: queue_work(priv->wq, &priv->tx_timeout_work). */
  private mlx5e_tx_timeout(): void {
    if (this.txWorkPending) return; // queue_work on a pending work is a no-op
    this.txWorkPending = true;
    spawn(this.c.m.sim, this.mlx5e_tx_timeout_work(), "mlx5e_tx_timeout_work");
  }

  /**
   * mlx5e_tx_timeout_work: for every TX queue stopped and timed out (netif_xmit_timeout_ms
   * since 2025; netif_xmit_stopped before), mlx5e_reporter_tx_timeout ->
   * mlx5e_tx_reporter_timeout_recover: poll the channel's EQ; EQEs found, the queue is
   * recovered (eq_rearm); none, mlx5e_safe_reopen_channels and stop.
   */
  private *mlx5e_tx_timeout_work(): Step {
    yield this.c.rtnl.acquire();
    try {
      if (!this.opened) return;
      const sim = this.c.m.sim;
      const timeo: Time = this.c.p.watchdogTimeo;
      const queues = this.dev.queues;
      for (let i = 0; i < queues.length; i++) {
        const q = queues[i]!;
        if (!(q.ring.stopped && sim.now > q.ring.transStart + timeo)) continue;
        this.txReports++;
        if (this.c.cpu.on) this.c.cpu.log("TX timeout on queue", { queue: i });
        if (this.core.compEqs[i]!.pollIrqDisabled() > 0) {
          this.eqRecoveries++; // "this sq recovered"
          // The EQEs reach NAPI: TX reaped, the queue woken (a reset function stays silent).
          if (!this.deviceLost) q.napi.start(sim.now);
          continue;
        }
        this.channelReopens++;
        yield this.mlx5e_safe_switch_params(this.numChannels); // mlx5e_safe_reopen_channels
        break;
      }
    } finally {
      this.txWorkPending = false;
      this.c.rtnl.release();
    }
  }

  // --- a monitoring agent reading the stats [assumed background] ---

  private startStats(): void {
    const every = this.c.p.statsInterval;
    if (every <= 0 || this.statsTimer !== null) return;
    this.statsTimer = this.c.m.sim.schedule(every, this.statsFn, Priority.NORMAL, STATS);
  }

  private stopStats(): void {
    if (this.statsTimer !== null) this.c.m.sim.cancel(this.statsTimer);
    this.statsTimer = null;
  }

  /** mlx5e_get_stats -> mlx5e_queue_update_stats: the update_stats_work, unless queued. */
  private statsRead(): void {
    this.statsTimer = null;
    this.startStats();
    if (this.statsWorkPending || !this.attached) return;
    this.statsWorkPending = true;
    spawn(this.c.m.sim, this.mlx5e_update_stats_work(), "mlx5e_update_stats_work");
  }

  /** mlx5e_update_stats_work: under state_lock, a few query commands. */
  private *mlx5e_update_stats_work(): Step {
    yield this.c.rtnl.acquire();
    try {
      for (let i = 0; i < this.c.p.statsCommands && this.attached; i++)
        yield this.core.cmd.exec(`stats-${i}`);
    } finally {
      this.statsWorkPending = false;
      this.c.rtnl.release();
    }
  }
}
