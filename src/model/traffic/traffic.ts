import { z } from "zod";
import {
  type Distribution,
  DistributionSchema,
  DurationSchema,
  defineKind,
  Priority,
  parseDistribution,
  type RandomStream,
  S,
  type Simulation,
  type Time,
} from "../../engine/index.js";

/** A device that raises events on vectors (the physical function). */
export interface EventTarget {
  raise(vector: number): void;
}

const rate = z
  .number({ error: "must be a number of interrupts per second" })
  .positive({ error: "must be > 0 (interrupts per second)" })
  .max(1e9);

/**
 * Per-vector interrupt sources. `vectors` is a list of vectors or "a-b" ranges; each vector gets
 * its own source and its own random stream ("traffic/<vector>/<n>"), so adding a source or a
 * vector never changes another's arrivals.
 */
export const TrafficSchema = z
  .object({
    vectors: z
      .union([
        z.number().int().min(0),
        z.string().regex(/^\d+(-\d+)?$/, { error: 'must be a vector or a range such as "1-16"' }),
        z.array(z.union([z.number().int().min(0), z.string().regex(/^\d+(-\d+)?$/)])).min(1),
      ])
      .describe('vectors: 3, "1-16" or [0, "17-48"]'),
    start: DurationSchema.prefault(0).describe("first possible arrival"),
    stop: DurationSchema.optional().describe("no arrival at or after this time (default: run end)"),
    poisson: z
      .object({ rate })
      .strict()
      .optional()
      .describe("Poisson arrivals at `rate` per second"),
    periodic: z
      .object({ period: DurationSchema, phase: DurationSchema.prefault(0) })
      .strict()
      .optional()
      .describe("one arrival every `period`, the first at start + phase"),
    onoff: z
      .object({ rate, on: DistributionSchema, off: DistributionSchema })
      .strict()
      .optional()
      .describe("bursts: Poisson at `rate` during on-periods, silent during off-periods"),
  })
  .strict()
  .superRefine((t, ctx) => {
    const kinds = [t.poisson, t.periodic, t.onoff].filter((k) => k !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: "custom", message: "give exactly one of poisson, periodic, onoff" });
    }
    if (t.stop !== undefined && t.stop <= t.start) {
      ctx.addIssue({ code: "custom", path: ["stop"], message: "must be after start" });
    }
    if (t.periodic !== undefined && t.periodic.period <= 0) {
      ctx.addIssue({ code: "custom", path: ["periodic", "period"], message: "must be > 0" });
    }
  });
export type TrafficInput = z.input<typeof TrafficSchema>;
export type TrafficSpec = z.output<typeof TrafficSchema>;

/** Expands 3, "1-16", [0, "17-48"] into a sorted list of distinct vectors. */
export function expandVectors(spec: TrafficSpec["vectors"]): number[] {
  const items = Array.isArray(spec) ? spec : [spec];
  const out = new Set<number>();
  for (const it of items) {
    if (typeof it === "number") out.add(it);
    else {
      const [a, b] = it.split("-").map(Number) as [number, number | undefined];
      const hi = b ?? a;
      if (hi < a) throw new Error(`vectors: range "${it}" is backwards`);
      for (let v = a; v <= hi; v++) out.add(v);
    }
  }
  return [...out].sort((x, y) => x - y);
}

const ARRIVAL = defineKind("traffic", "arrival");
const PHASE = defineKind("traffic", "onoff-phase");

/** One vector's arrivals. The arrival handler is created once and reused: no allocation per event. */
abstract class Source {
  protected readonly fire = (): void => this.arrive();
  constructor(
    protected readonly sim: Simulation,
    protected readonly target: EventTarget,
    readonly vector: number,
    protected readonly rng: RandomStream,
    protected readonly stop: Time,
  ) {}

  abstract begin(start: Time): void;

  protected arrive(): void {
    this.target.raise(this.vector);
    this.next();
  }

  protected abstract next(): void;

  protected at(t: Time): void {
    if (t < this.stop) this.sim.at(t, this.fire, Priority.LATE, ARRIVAL);
  }
}

class PoissonSource extends Source {
  private readonly meanGap: number;
  constructor(
    sim: Simulation,
    target: EventTarget,
    v: number,
    rng: RandomStream,
    stop: Time,
    perSecond: number,
  ) {
    super(sim, target, v, rng, stop);
    this.meanGap = S / perSecond;
  }
  begin(start: Time): void {
    this.at(start + this.gap());
  }
  protected next(): void {
    this.at(this.sim.now + this.gap());
  }
  private gap(): number {
    return Math.floor(this.rng.exponential(this.meanGap) + 0.5);
  }
}

class PeriodicSource extends Source {
  constructor(
    sim: Simulation,
    target: EventTarget,
    v: number,
    rng: RandomStream,
    stop: Time,
    private readonly period: Time,
    private readonly phase: Time,
  ) {
    super(sim, target, v, rng, stop);
  }
  begin(start: Time): void {
    this.at(start + this.phase);
  }
  protected next(): void {
    this.at(this.sim.now + this.period);
  }
}

class OnOffSource extends Source {
  private readonly meanGap: number;
  private onUntil = 0;
  private readonly phaseFn = (): void => this.startOn();
  constructor(
    sim: Simulation,
    target: EventTarget,
    v: number,
    rng: RandomStream,
    stop: Time,
    perSecond: number,
    private readonly on: Distribution,
    private readonly off: Distribution,
  ) {
    super(sim, target, v, rng, stop);
    this.meanGap = S / perSecond;
  }
  begin(start: Time): void {
    this.sim.at(start, this.phaseFn, Priority.LATE, PHASE);
  }
  private startOn(): void {
    this.onUntil = this.sim.now + this.on.sample(this.rng);
    this.next();
  }
  protected next(): void {
    const t = this.sim.now + Math.floor(this.rng.exponential(this.meanGap) + 0.5);
    if (t < this.onUntil) {
      this.at(t);
    } else {
      const offStart = this.onUntil;
      const nextOn = offStart + this.off.sample(this.rng);
      if (nextOn < this.stop)
        this.sim.at(Math.max(nextOn, this.sim.now), this.phaseFn, Priority.LATE, PHASE);
    }
  }
}

/** Starts every source of every spec; no arrival at or after `runEnd`. */
export function startTraffic(
  sim: Simulation,
  target: EventTarget,
  specs: readonly TrafficSpec[],
  tableSize: number,
  runEnd: Time,
): number {
  const perVector = new Map<number, number>();
  let count = 0;
  specs.forEach((spec, i) => {
    for (const v of expandVectors(spec.vectors)) {
      if (v >= tableSize) {
        throw new Error(
          `traffic[${i}].vectors: vector ${v} is beyond the MSI-X table (size ${tableSize})`,
        );
      }
      const n = perVector.get(v) ?? 0;
      perVector.set(v, n + 1);
      const rng = sim.streams.get(`traffic/${v}/${n}`);
      const stop = Math.min(spec.stop ?? runEnd, runEnd); // arrivals are strictly before stop
      let src: Source;
      if (spec.poisson) src = new PoissonSource(sim, target, v, rng, stop, spec.poisson.rate);
      else if (spec.periodic)
        src = new PeriodicSource(
          sim,
          target,
          v,
          rng,
          stop,
          spec.periodic.period,
          spec.periodic.phase,
        );
      else {
        const o = spec.onoff!;
        src = new OnOffSource(
          sim,
          target,
          v,
          rng,
          stop,
          o.rate,
          parseDistribution(o.on, `traffic[${i}].onoff.on`),
          parseDistribution(o.off, `traffic[${i}].onoff.off`),
        );
      }
      src.begin(spec.start);
      count++;
    }
  });
  return count;
}
