import type { Simulation, Time, TraceSink } from "../engine/index.js";
import { zeroedF64 } from "../engine/typed-arrays.js";
import { IrqBus } from "./irq-bus.js";
import { causeName, DROP_CAUSES } from "./outcomes.js";

/** A trace sink that also wants a record per interrupt (raised, delivered, coalesced, dropped). */
export interface IrqTraceSink extends TraceSink {
  readonly irqs: true;
}

function irqSink(t: TraceSink | null): TraceSink | null {
  return t !== null && (t as Partial<IrqTraceSink>).irqs === true ? t : null;
}

const CAUSES = DROP_CAUSES.length;

/** Log-linear latency histogram: 8 sub-buckets per power of two of ns (<= 12.5% error). */
export class LatencyHistogram {
  readonly counts = zeroedF64(64 * 8);
  count = 0;
  sum = 0;
  max = 0;

  add(ns: number): void {
    this.count++;
    this.sum += ns;
    if (ns > this.max) this.max = ns;
    this.counts[bucketOf(ns)]!++;
  }

  /** Upper edge of the bucket holding quantile q (0..1); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = Math.max(1, Math.ceil(q * this.count));
    let acc = 0;
    for (let b = 0; b < this.counts.length; b++) {
      acc += this.counts[b]!;
      if (acc >= target) return Math.min(this.max, bucketUpper(b));
    }
    return this.max;
  }
}

export function bucketOf(ns: number): number {
  // Latencies are integer ns: below 2^31 the power of two and the sub-bucket are bit
  // operations (Math.log2 and 2 ** e cost more than the rest of a delivery). The same
  // buckets as the general formula below, which handles the rest (test/model/accounting).
  if (ns >= 8 && ns < 2147483648 && (ns | 0) === ns) {
    const e = 31 - Math.clz32(ns);
    return e * 8 + ((ns >> (e - 3)) & 7);
  }
  if (ns < 8) return Math.max(0, Math.floor(ns));
  const e = Math.floor(Math.log2(ns));
  const sub = Math.floor((ns / 2 ** e - 1) * 8);
  return Math.min(64 * 8 - 1, e * 8 + sub);
}

function bucketUpper(b: number): number {
  if (b < 8) return b;
  const e = Math.floor(b / 8);
  const sub = b % 8;
  return Math.floor(2 ** e * (1 + (sub + 1) / 8));
}

export interface DropRecord {
  readonly vector: number;
  readonly raisedAt: Time;
  readonly cause: number;
  readonly at: Time;
}

export interface DeliveryRecord {
  readonly vector: number;
  readonly raisedAt: Time;
  readonly at: Time;
}

/**
 * Where every interrupt ended (MODEL.md section 2). Counters per vector; every component on the
 * data path reports here. Conservation (generated = delivered + coalesced + pending + dropped)
 * is checked at the end of each run by the machine.
 */
export class InterruptAccounting {
  readonly generated: Float64Array;
  readonly delivered: Float64Array;
  readonly coalesced: Float64Array;
  /** dropped[v * CAUSES + cause] */
  readonly dropped: Float64Array;
  readonly latency = new LatencyHistogram();
  /** Set when the run asked for per-interrupt logs (tests, traces). */
  readonly drops: DropRecord[] | null;
  readonly deliveries: DeliveryRecord[] | null;
  /** Times at which an interrupt merged into a pending bit, per vector (when recording). */
  readonly coalesces: Array<{ vector: number; at: Time }> | null;
  /** Guest-side listeners: interrupt handlers, stalling sources. */
  readonly bus = new IrqBus();

  /** Per-interrupt trace records go here (component "irq"), when the run's sink asks for them. */
  private readonly trace: TraceSink | null;

  constructor(
    readonly vectors: number,
    recordInterrupts: boolean,
    private readonly sim: Simulation | null = null,
  ) {
    this.trace = irqSink(sim?.trace ?? null);
    this.generated = zeroedF64(vectors);
    this.delivered = zeroedF64(vectors);
    this.coalesced = zeroedF64(vectors);
    this.dropped = zeroedF64(vectors * CAUSES);
    this.drops = recordInterrupts ? [] : null;
    this.deliveries = recordInterrupts ? [] : null;
    this.coalesces = recordInterrupts ? [] : null;
  }

  raise(v: number): void {
    this.generated[v]!++;
    if (this.trace !== null) this.trace.record(this.sim!.now, "irq", "raised", { vector: v });
  }

  deliver(v: number, raisedAt: Time, at: Time): void {
    this.delivered[v]!++;
    this.latency.add(at - raisedAt);
    if (this.deliveries !== null) this.deliveries.push({ vector: v, raisedAt, at });
    // `at` may lie ahead of now (a delivery accounted when it was scheduled).
    if (this.trace !== null) {
      this.trace.record(at, "irq", "delivered", { vector: v, latency_ns: at - raisedAt });
    }
    this.bus.emitDelivered(v, at);
  }

  coalesce(v: number, at: Time): void {
    this.coalesced[v]!++;
    if (this.coalesces !== null) this.coalesces.push({ vector: v, at });
    if (this.trace !== null) this.trace.record(at, "irq", "coalesced", { vector: v });
  }

  drop(v: number, cause: number, raisedAt: Time, at: Time): void {
    this.dropped[v * CAUSES + cause]!++;
    if (this.drops !== null) this.drops.push({ vector: v, raisedAt, cause, at });
    if (this.trace !== null) {
      this.trace.record(at, "irq", "DROPPED", {
        vector: v,
        cause: causeName(cause),
        raised_ns: raisedAt,
      });
    }
    this.bus.emitDropped(v, at);
  }

  droppedOf(v: number, cause: number): number {
    return this.dropped[v * CAUSES + cause]!;
  }

  droppedTotal(v: number): number {
    let s = 0;
    for (let c = 0; c < CAUSES; c++) s += this.dropped[v * CAUSES + c]!;
    return s;
  }
}
