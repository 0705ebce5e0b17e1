import { IndexedStreamNames, type Time } from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import { type QueueLoad, QueueVector } from "../model/device/queue-vector.js";
import type { Machine } from "../model/machine.js";
import { Napi } from "./napi.js";
import { NetdevWatchdog } from "./netdev-watchdog.js";
import { TxRing } from "./tx-ring.js";

const PACKETS_STREAM = new IndexedStreamNames((q) => `nic/${q}/packets`);
const TX_STREAM = new IndexedStreamNames((q) => `nic/${q}/tx`);

/** A NIC design's queue and watchdog constants (each driver's schema documents its own). */
export interface NetdevConfig {
  /** Minimum gap between two interrupts of a queue vector (interrupt moderation), ns. */
  readonly interruptGap: Time;
  /** The device re-raises a queue vector whose message was lost while work is pending. */
  readonly napiRearmOnLoss: boolean;
  /** From a queue interrupt reaching the guest to the NAPI poll re-enabling the vector, ns. */
  readonly napiPollDelay: Time;
  /** Packets sent without completions before the TX queue stops (BQL or a full ring). */
  readonly txStopPackets: number;
  /** dev->watchdog_timeo, ns. */
  readonly watchdogTimeo: Time;
}

/** One channel: a queue pair with its vector, as the device and NAPI see it. */
export interface NicQueue {
  readonly vector: QueueVector;
  readonly ring: TxRing;
  readonly napi: Napi;
}

/**
 * A netdev's data path, shared by every NIC design: one channel (device queue vector, TX ring,
 * NAPI) per queue vector, the carrier and the TX watchdog (dev_watchdog). Which channels are in
 * use, when their MSI-X entries are unmasked and what a TX timeout does are the driver's: it
 * sequences these pieces in its own order.
 */
export class Netdev {
  /** Every channel the design may use, in vector order. */
  readonly all: NicQueue[] = [];
  /** The channels in use. */
  queues: NicQueue[];
  readonly watchdog: NetdevWatchdog;
  carrier = false;
  /** When the carrier last came on, or null. */
  carrierOnAt: Time | null = null;
  /** ndo_tx_timeout. */
  onTxTimeout: (queue: number) => void = () => {};

  constructor(
    private readonly m: Machine,
    /** The MSI-X vector of each possible channel. */
    vectors: readonly number[],
    inUse: number,
    cfg: NetdevConfig,
    load: QueueLoad | null,
    private readonly cpu: Cpu,
  ) {
    const sim = m.sim;
    const bus = m.acct.bus;
    const l = load ?? { rxPps: 0, txPps: 0, start: 0, stop: 0 };
    vectors.forEach((v, q) => {
      const vector = new QueueVector(
        sim,
        m.device,
        v,
        l,
        cfg.interruptGap,
        sim.streams.get(PACKETS_STREAM.at(q)),
        cfg.napiRearmOnLoss,
        bus,
      );
      const ring = new TxRing(sim, q, l, cfg.txStopPackets, sim.streams.get(TX_STREAM.at(q)), cpu);
      const napi = new Napi(sim, vector, ring, cfg.napiPollDelay, bus, cpu);
      this.all.push({ vector, ring, napi });
    });
    this.queues = this.all.slice(0, inUse);
    this.watchdog = new NetdevWatchdog(
      sim,
      cfg.watchdogTimeo,
      this.all.map((q) => q.ring),
      (queue) => this.onTxTimeout(queue),
      cpu,
    );
  }

  /** The channels in use from now on (the first `n`, at least 1). */
  setInUse(n: number): void {
    this.queues = this.all.slice(0, Math.max(1, Math.min(n, this.all.length)));
  }

  /** The MSI-X vectors of the channels in use. */
  vectors(): number[] {
    return this.queues.map((q) => q.vector.vector);
  }

  /** Channels stop: their device vectors are disabled (the driver's down path). */
  stopQueues(): void {
    for (const q of this.queues) q.napi.stop();
  }

  /** netif_carrier_on / netif_carrier_off: the watchdog runs only with carrier. */
  setCarrier(on: boolean): void {
    if (on === this.carrier) return;
    this.carrier = on;
    if (on) this.carrierOnAt = this.m.sim.now;
    if (this.cpu.on) this.cpu.log(on ? "netif_carrier_on" : "netif_carrier_off", {});
    if (on) this.watchdog.carrierOn();
    else this.watchdog.carrierOff();
  }

  /** dev_deactivate: carrier off and the watchdog timer deleted. */
  deactivate(): void {
    this.setCarrier(false);
    this.watchdog.down();
  }

  /** A TX queue is stopped and its watchdog run is still to come. */
  get txTimeoutPending(): boolean {
    return this.watchdog.pending;
  }

  /** Channels in use whose vector is disabled by a lost interrupt. */
  stalledQueues(): number {
    let n = 0;
    for (const q of this.queues) if (q.napi.stalled) n++;
    return n;
  }

  /** Total time channels spent stalled up to `now`. */
  stallTime(now: Time): number {
    let t = 0;
    for (const q of this.all) t += q.napi.stallTime(now);
    return t;
  }
}
