import type { Time } from "../engine/index.js";
import type { Window } from "./windows.js";

/**
 * The conditional loss estimator: given the drop windows a run's control plane produced, the
 * probability that Poisson interrupt sources lose at least one interrupt in them.
 *
 * A source raising interrupts on vector v as a Poisson process of rate λ over [start, stop)
 * puts, given the windows W_v, a Poisson number of arrivals of mean λ·|W_v ∩ [start, stop)|
 * into them, and every one of those is lost (that is what a drop window is). So, summed over
 * sources, P(no loss | windows) = exp(−Σ λ·W_exposed) and
 *
 *   p_loss_conditional = 1 − exp(−Σ λ·W_exposed)   (computed as −expm1(−x): exact for tiny x)
 *
 * whose mean over runs estimates P(a run loses an interrupt) without counting losses: it is
 * the Monte Carlo estimate with the arrivals integrated out (a Rao-Blackwellisation), so it
 * never has more variance, and it is informative where no run of thousands shows a loss.
 *
 * It is exact only when the windows do not depend on the arrivals, before or after a loss: the
 * formula conditions on the whole of W, and a control plane that reacted to a loss (a reset
 * after a stalled queue) would have produced other windows had that loss not happened. Cutting
 * W at the first loss does not fix that: with W cut at the loss the mean is
 * (1 − e^(−2λW))/2, not 1 − e^(−λW). So a scenario is `invalid` (the columns are empty) when:
 * - a guest driver runs (any driver action in the timeline): its control plane reacts to
 *   interrupts (NAPI polls, mailbox answers on the misc vector, resets after a lost interrupt),
 *   and NIC queue interrupts are raised only while NAPI has the vector armed, which depends on
 *   the previous packets: they are not a Poisson interrupt source;
 * and a run is invalid when a drop window overlaps a source that is not plain Poisson
 * (periodic, on/off, or gated on the driver): the loss there is not exp(−λW).
 * Vectors without a source, and sources outside every window, add nothing and do not matter.
 */

/** A plain Poisson source on one vector: `rate` per second over [start, stop). */
export interface PoissonExposureSource {
  readonly vector: number;
  readonly rate: number;
  readonly start: Time;
  readonly stop: Time;
}

/** What the estimator needs of a scenario, built once per scenario (scenario/exposure-plan.ts). */
export interface ExposurePlan {
  /** Why no run of this scenario can use the estimator, or null. */
  readonly invalid: string | null;
  readonly poisson: readonly PoissonExposureSource[];
  /** Intervals [start, stop) on a vector where a source that is not plain Poisson may raise. */
  readonly other: readonly { readonly vector: number; readonly start: Time; readonly stop: Time }[];
}

export interface Exposure {
  /** Drop-window time, summed over vectors, during which the vector's Poisson traffic was on. */
  readonly exposedNs: number;
  /** 1 − exp(−Σ λ·W_exposed). */
  readonly pLoss: number;
}

/** Per vector, the sources ready for the per-run pass. */
interface VectorSources {
  /** Poisson sources: parallel arrays, rate in 1/ns. */
  readonly rate: number[];
  readonly start: number[];
  readonly stop: number[];
  /** The union of the Poisson sources' intervals, sorted and disjoint: [a0, b0, a1, b1, ...]. */
  readonly on: number[];
  /** The same for the other sources. */
  readonly other: number[];
}

/** A plan compiled for the per-run pass (a map per vector; nothing allocated per run). */
export class ExposureCalculator {
  private readonly byVector = new Map<number, VectorSources>();

  constructor(readonly plan: ExposurePlan) {
    const entry = (v: number): VectorSources => {
      let e = this.byVector.get(v);
      if (e === undefined) {
        e = { rate: [], start: [], stop: [], on: [], other: [] };
        this.byVector.set(v, e);
      }
      return e;
    };
    const ons = new Map<number, Array<[number, number]>>();
    const others = new Map<number, Array<[number, number]>>();
    for (const s of plan.poisson) {
      if (!(s.stop > s.start)) continue;
      const e = entry(s.vector);
      e.rate.push(s.rate / 1e9);
      e.start.push(s.start);
      e.stop.push(s.stop);
      push(ons, s.vector, [s.start, s.stop]);
    }
    for (const s of plan.other) {
      if (!(s.stop > s.start)) continue;
      entry(s.vector);
      push(others, s.vector, [s.start, s.stop]);
    }
    for (const [v, e] of this.byVector) {
      e.on.push(...union(ons.get(v) ?? []));
      e.other.push(...union(others.get(v) ?? []));
    }
  }

  /** The exposure of one run from its drop windows, or null where the estimator is not valid. */
  of(drop: readonly Window[]): Exposure | null {
    if (this.plan.invalid !== null) return null;
    let exposedNs = 0;
    let x = 0;
    for (const w of drop) {
      const e = this.byVector.get(w.vector);
      if (e === undefined) continue;
      if (overlap(e.other, w.start, w.end) > 0) return null;
      exposedNs += overlap(e.on, w.start, w.end);
      for (let i = 0; i < e.rate.length; i++) {
        const d = Math.min(w.end, e.stop[i]!) - Math.max(w.start, e.start[i]!);
        if (d > 0) x += e.rate[i]! * d;
      }
    }
    return { exposedNs, pLoss: -Math.expm1(-x) };
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else l.push(v);
}

/** The union of intervals, as a flat sorted list [a0, b0, a1, b1, ...] of disjoint ones. */
function union(iv: Array<[number, number]>): number[] {
  const s = [...iv].sort((p, q) => p[0] - q[0]);
  const out: number[] = [];
  for (const [a, b] of s) {
    if (out.length > 0 && a <= out[out.length - 1]!) {
      out[out.length - 1] = Math.max(out[out.length - 1]!, b);
    } else out.push(a, b);
  }
  return out;
}

/** Length of [a, b) ∩ the flat interval list (a vector has one or a few: a linear scan). */
function overlap(flat: readonly number[], a: number, b: number): number {
  let total = 0;
  for (let i = 0; i < flat.length; i += 2) {
    const d = Math.min(b, flat[i + 1]!) - Math.max(a, flat[i]!);
    if (d > 0) total += d;
  }
  return total;
}
