import {
  defineKind,
  type EventHandle,
  Priority,
  type Simulation,
  type Time,
} from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import { roundJiffies } from "./jiffies.js";
import type { TxRing } from "./tx-ring.js";

const TICK = defineKind("guest", "dev-watchdog");

/**
 * The netdev TX watchdog (net/sched/sch_generic.c, dev_watchdog): a timer that runs every
 * watchdog_timeo while the device is running with its carrier on. At each run it looks for a
 * TX queue that is stopped (netif_xmit_stopped: its ring filled) and whose last transmit is
 * older than watchdog_timeo; for the first such queue it calls ndo_tx_timeout, then re-arms.
 * A queue that is stalled but not stopped (RX only, or too little TX to fill the ring) never
 * times out. The timer starts when the carrier comes on (netif_carrier_on ->
 * __netdev_watchdog_up) and is not re-armed once the carrier is off (dev_watchdog re-arms only
 * inside its carrier check); the interface going down deletes it (dev_deactivate).
 */
export class NetdevWatchdog {
  timeouts = 0;
  private timer: EventHandle | null = null;
  private carrier = false;
  private readonly tickFn = (): void => this.tick();

  constructor(
    private readonly sim: Simulation,
    /** dev->watchdog_timeo. */
    readonly timeo: Time,
    private readonly rings: readonly TxRing[],
    /** ndo_tx_timeout(dev, queue). */
    private readonly onTimeout: (queue: number) => void,
    private readonly cpu: Cpu,
  ) {}

  /** netif_carrier_on: the timer starts (if it is not already running). */
  carrierOn(): void {
    this.carrier = true;
    if (this.timer === null) this.arm();
  }

  /** netif_carrier_off: the next run finds no carrier and does not re-arm. */
  carrierOff(): void {
    this.carrier = false;
  }

  /** dev_deactivate (interface down): dev_watchdog_down deletes the timer. */
  down(): void {
    this.carrier = false;
    if (this.timer !== null) this.sim.cancel(this.timer);
    this.timer = null;
  }

  /** A stopped queue whose watchdog run is still to come (for "incomplete"). */
  get pending(): boolean {
    return this.carrier && this.rings.some((r) => r.stopped);
  }

  private arm(): void {
    const now = this.sim.now;
    this.timer = this.sim.at(
      roundJiffies(now + this.timeo, now),
      this.tickFn,
      Priority.NORMAL,
      TICK,
    );
  }

  private tick(): void {
    this.timer = null;
    if (!this.carrier) return;
    const now = this.sim.now;
    for (const r of this.rings) {
      if (r.stopped && now > r.transStart + this.timeo) {
        this.timeouts++;
        if (this.cpu.on)
          this.cpu.log("NETDEV WATCHDOG: transmit queue timed out", {
            queue: r.queue,
            stopped_for_ms: Math.round((now - r.transStart) / 1e6),
          });
        this.onTimeout(r.queue);
        break;
      }
    }
    if (this.carrier && this.timer === null) this.arm();
  }
}
