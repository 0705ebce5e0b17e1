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

/** A vector, a range such as "1-16", or a group name such as "tqp". */
export const VectorItem = z.union([
  z.number().int().min(0),
  z.string().regex(/^(\d+(-\d+)?|[a-z][a-z0-9-]*)$/, {
    error: 'must be a vector, a range such as "1-16" or a group name such as "tqp"',
  }),
]);

/**
 * Per-vector interrupt sources. `vectors` is a list of vectors or "a-b" ranges; each vector gets
 * its own source and its own random stream ("traffic/<vector>/<n>"), so adding a source or a
 * vector never changes another's arrivals.
 */
export const TrafficSchema = z
  .object({
    vectors: z
      .union([VectorItem, z.array(VectorItem).min(1)])
      .describe('vectors: 3, "1-16", a group name such as "tqp", or a list of these'),
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
    gate: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, { error: "must be a lower-case name" })
      .optional()
      .describe(
        "raise only while this gate is open (a driver opens it, e.g. 'nic' when the interface is up)",
      ),
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

/** Named vector groups, e.g. { misc: [0], tqp: [1..16] } from a driver's layout. */
export type VectorGroups = Readonly<Record<string, readonly number[]>>;

/** Expands 3, "1-16", "tqp", [0, "17-48"] into a sorted list of distinct vectors. */
export function expandVectors(spec: TrafficSpec["vectors"], groups: VectorGroups = {}): number[] {
  const items = Array.isArray(spec) ? spec : [spec];
  const out = new Set<number>();
  for (const it of items) {
    if (typeof it === "number") out.add(it);
    else if (/^[a-z]/.test(it)) {
      const g = groups[it];
      if (g === undefined) {
        const known = Object.keys(groups);
        throw new Error(
          `unknown vector group "${it}"${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`,
        );
      }
      for (const v of g) out.add(v);
    } else {
      const [a, b] = it.split("-").map(Number) as [number, number | undefined];
      const hi = b ?? a;
      if (hi < a) throw new Error(`vectors: range "${it}" is backwards`);
      for (let v = a; v <= hi; v++) out.add(v);
    }
  }
  return [...out].sort((x, y) => x - y);
}

const ARRIVAL = defineKind("traffic", "arrival");

/** A named on/off switch for sources (a driver opens "nic" when the interface is up). */
export class Gate {
  open = false;
  /** Sources to restart when the gate opens again (a re-initialised queue). */
  readonly sources: Source[] = [];
  set(open: boolean): void {
    const opening = open && !this.open;
    this.open = open;
    if (opening) for (const s of this.sources) s.restart();
  }
}

export class Gates {
  private readonly gates = new Map<string, Gate>();
  get(name: string): Gate {
    let g = this.gates.get(name);
    if (g === undefined) {
      g = new Gate();
      this.gates.set(name, g);
    }
    return g;
  }
}

/**
 * One vector's arrivals. The arrival times are a fixed sequence drawn from the source's own
 * stream, whatever happens to the interrupts, so every profile sees the same arrivals. While
 * its gate is closed the source goes dormant instead of scheduling events; when the gate opens
 * it draws the arrivals it slept through (the same draws), so the sequence is unchanged. The
 * arrival handler is created once: no allocation per event. (NIC queues, whose interrupts
 * depend on the driver re-enabling them, are src/model/device/queue-vector.ts.)
 */
abstract class Source {
  private readonly fire = (): void => this.arrive();
  gate: Gate | null = null;
  /** The next arrival (already drawn), or Infinity. */
  private nextAt = Number.POSITIVE_INFINITY;
  private dormant = false;

  constructor(
    protected readonly sim: Simulation,
    protected readonly target: EventTarget,
    readonly vector: number,
    protected readonly rng: RandomStream,
    protected readonly stop: Time,
  ) {}

  begin(start: Time): void {
    this.nextAt = this.bounded(this.first(start));
    this.schedule();
  }

  /** The first arrival at or after `start`. */
  protected abstract first(start: Time): Time;
  /** The arrival after one at t. */
  protected abstract following(t: Time): Time;

  private arrive(): void {
    this.nextAt = this.bounded(this.following(this.sim.now));
    const closed = this.gate !== null && !this.gate.open;
    if (closed) this.dormant = true;
    else {
      this.target.raise(this.vector);
      this.schedule();
    }
  }

  /** The gate reopened: a dormant source wakes. */
  restart(): void {
    if (!this.dormant) return;
    this.dormant = false;
    const now = this.sim.now;
    while (this.nextAt < now) this.nextAt = this.bounded(this.following(this.nextAt));
    this.schedule();
  }

  private bounded(t: Time): Time {
    return t < this.stop ? t : Number.POSITIVE_INFINITY;
  }

  private schedule(): void {
    if (this.nextAt !== Number.POSITIVE_INFINITY) {
      this.sim.at(this.nextAt, this.fire, Priority.LATE, ARRIVAL);
    }
  }

  protected gap(meanGap: number): number {
    return Math.floor(this.rng.exponential(meanGap) + 0.5);
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
  protected first(start: Time): Time {
    return start + this.gap(this.meanGap);
  }
  protected following(t: Time): Time {
    return t + this.gap(this.meanGap);
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
  protected first(start: Time): Time {
    return start + this.phase;
  }
  protected following(t: Time): Time {
    return t + this.period;
  }
}

/** Poisson at `rate` during on-periods, nothing during off-periods; periods alternate. */
class OnOffSource extends Source {
  private readonly meanGap: number;
  private onUntil = 0;
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
  protected first(start: Time): Time {
    return this.fromPhase(start);
  }
  protected following(t: Time): Time {
    const next = t + this.gap(this.meanGap);
    if (next < this.onUntil) return next;
    return this.fromPhase(this.onUntil + this.off.sample(this.rng));
  }
  /** An on-period starting at `start`: its first arrival, or the next period's. */
  private fromPhase(start: Time): Time {
    for (let phase = start; phase < this.stop; ) {
      this.onUntil = phase + this.on.sample(this.rng);
      const t = phase + this.gap(this.meanGap);
      if (t < this.onUntil) return t;
      const next = this.onUntil + this.off.sample(this.rng);
      if (next <= phase) return Number.POSITIVE_INFINITY; // zero-length periods: no arrivals
      phase = next;
    }
    return Number.POSITIVE_INFINITY;
  }
}

export type { Source };

export interface TrafficContext {
  readonly groups?: VectorGroups;
  readonly gates: Gates;
}

/** Starts every source of every spec; no arrival at or after `runEnd`. Returns the sources. */
export function startTraffic(
  sim: Simulation,
  target: EventTarget,
  specs: readonly TrafficSpec[],
  tableSize: number,
  runEnd: Time,
  ctx: TrafficContext,
): Source[] {
  const sources: Source[] = [];
  const perVector = new Map<number, number>();
  specs.forEach((spec, i) => {
    let vectors: number[];
    try {
      vectors = expandVectors(spec.vectors, ctx.groups);
    } catch (e) {
      throw new Error(`traffic[${i}].vectors: ${(e as Error).message}`);
    }
    for (const v of vectors) {
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
      if (spec.gate !== undefined) {
        src.gate = ctx.gates.get(spec.gate);
        src.gate.sources.push(src);
      }
      src.begin(spec.start);
      sources.push(src);
    }
  });
  return sources;
}
