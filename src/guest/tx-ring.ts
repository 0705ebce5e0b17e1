import { gammaSample } from "../engine/gamma.js";
import {
  defineKind,
  type EventHandle,
  Priority,
  type RandomStream,
  S,
  type Simulation,
  type Time,
} from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import type { QueueLoad } from "../model/device/queue-vector.js";

const FULL = defineKind("guest", "tx-ring-full");

/**
 * One TX ring as the stack and the driver see it: the stack transmits at the load's TX rate, each
 * packet takes descriptors, and completions are only reaped by NAPI (hns3_clean_tx_ring from
 * hns3_nic_common_poll). A ring that is not reaped fills; when fewer descriptors are free than a
 * packet may need, hns3_nic_maybe_stop_tx stops the queue (netif_tx_stop_queue) and the stack's
 * last transmit, txq->trans_start, is what dev_watchdog compares with watchdog_timeo.
 *
 * The ring is empty after every poll, so it can only fill once reaping stops (a lost interrupt
 * leaves the vector disabled). Then the stop time is the `capacity`-th transmit after the last
 * reap: one Gamma draw, no event per packet.
 */
export class TxRing {
  /** netif_xmit_stopped(txq). */
  stopped = false;
  /** txq->trans_start of the transmit that filled the ring. */
  transStart: Time = 0;
  stops = 0;
  private lastReap: Time = 0;
  private fill: EventHandle | null = null;
  private readonly stopFn = (t: Time): void => this.stopQueue(t);

  constructor(
    private readonly sim: Simulation,
    readonly queue: number,
    private readonly load: QueueLoad,
    /** Packets the ring holds before the queue stops (descriptors free / descriptors per packet). */
    readonly capacity: number,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {}

  /** NAPI reaped every completion at `at`; a stopped queue is woken (netif_tx_wake_queue). */
  reap(at: Time): void {
    this.lastReap = at;
    this.stopped = false;
  }

  /** Nothing reaps any more (the vector's interrupt was lost): when does the ring fill? */
  starve(): void {
    if (this.fill !== null || this.stopped || this.load.txPps <= 0) return;
    const from = Math.max(this.lastReap, this.load.start);
    const full = from + Math.round(gammaSample(this.rng, this.capacity, S / this.load.txPps));
    if (full >= this.load.stop) return; // the traffic ends first: the queue never stops
    const t = Math.max(full, this.sim.now);
    this.fill = this.sim.at(t, this.stopFn, Priority.NORMAL, FULL, full);
  }

  /** The queue is (re)initialised: an empty ring, awake (hns3_nic_net_up). */
  reset(at: Time): void {
    if (this.fill !== null) this.sim.cancel(this.fill);
    this.fill = null;
    this.stopped = false;
    this.lastReap = at;
  }

  private stopQueue(full: Time): void {
    this.fill = null;
    this.stopped = true;
    this.transStart = full;
    this.stops++;
    if (this.cpu.on) this.cpu.log("netif_tx_stop_queue", { queue: this.queue, ring: "full" });
  }
}
