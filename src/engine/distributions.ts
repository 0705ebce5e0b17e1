import { z } from "zod";
import type { RandomStream } from "./random.js";
import { type DurationInput, formatDuration, parseDuration, type Time } from "./time.js";

/**
 * Duration distributions, written in specs as:
 *   "2us" or 2000                         fixed
 *   { "fixed": "2us" }                    fixed
 *   { "uniform": ["1us", "3us"] }         uniform on [min, max]
 *   { "exponential": { "mean": "5us" } }  exponential
 *   { "normal": { "mean": "5us", "sd": "1us" } }          normal, redrawn while below 0
 *   { "lognormal": { "median": "5us", "sigma": 0.5 } }    log-normal (sigma of ln x)
 *   { "empirical": ["1us", "2us", "9us"] }                one of the values, equally likely
 *   { "empirical": { "values": [...], "weights": [...] } } one of the values, weighted
 * Every sample is rounded to an integer number of ns.
 */
export interface Distribution {
  /** One draw, integer ns >= 0. */
  sample(rng: RandomStream): Time;
  /** Expected value in ns (before rounding). */
  readonly mean: number;
  /** Short human form, e.g. "exp(5 us)". */
  describe(): string;
}

const durationMessage = 'must be a duration such as "2us", "1.5ms" or a whole number of ns';

/** Zod schema of a duration; parses to integer ns. */
export const DurationSchema = z
  .union([z.string(), z.number()], { error: durationMessage })
  .transform((v: DurationInput, ctx) => {
    try {
      return parseDuration(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  });

const Fixed = z.object({ fixed: DurationSchema }).strict();
const Uniform = z
  .object({
    uniform: z.union([
      z.tuple([DurationSchema, DurationSchema]),
      z.object({ min: DurationSchema, max: DurationSchema }).strict(),
    ]),
  })
  .strict();
const Exponential = z.object({ exponential: z.object({ mean: DurationSchema }).strict() }).strict();
const Normal = z
  .object({ normal: z.object({ mean: DurationSchema, sd: DurationSchema }).strict() })
  .strict();
const LogNormal = z
  .object({
    lognormal: z
      .object({ median: DurationSchema, sigma: z.number().nonnegative().max(10) })
      .strict(),
  })
  .strict();
const Empirical = z
  .object({
    empirical: z.union([
      z.array(DurationSchema).min(1),
      z
        .object({
          values: z.array(DurationSchema).min(1),
          weights: z.array(z.number().nonnegative()).min(1),
        })
        .strict(),
    ]),
  })
  .strict();

/** Zod schema of a distribution spec (see the module comment). */
export const DistributionSchema = z.union([
  DurationSchema,
  Fixed,
  Uniform,
  Exponential,
  Normal,
  LogNormal,
  Empirical,
]);
export type DistributionSpec = z.input<typeof DistributionSchema>;

const FORMS = {
  fixed: Fixed,
  uniform: Uniform,
  exponential: Exponential,
  normal: Normal,
  lognormal: LogNormal,
  empirical: Empirical,
} as const;

const FORMS_HELP =
  'use a duration ("2us"), {fixed}, {uniform: [min, max]}, {exponential: {mean}}, ' +
  "{normal: {mean, sd}}, {lognormal: {median, sigma}} or {empirical: [values]}";

/**
 * Parsed specs, by identity (objects) or value (durations): a scenario's specs are parsed
 * again by every run that builds a model from them, and a zod parse costs more than a small
 * run's simulation of a dozen events. Distributions are immutable and draw from the stream
 * they are given, so one serves every run.
 */
const parsedObjects = new WeakMap<object, Distribution>();
const parsedScalars = new Map<string | number, Distribution>();
const MAX_SCALARS = 4096;

/** Parses a spec; throws an Error whose message names the field (`path`) and the problem. */
export function parseDistribution(spec: unknown, path = "distribution"): Distribution {
  const known =
    spec !== null && typeof spec === "object"
      ? parsedObjects.get(spec)
      : parsedScalars.get(spec as string | number);
  if (known !== undefined) return known;
  const d = parseUncached(spec, path);
  if (spec !== null && typeof spec === "object") parsedObjects.set(spec, d);
  else if (parsedScalars.size < MAX_SCALARS) parsedScalars.set(spec as string | number, d);
  return d;
}

function parseUncached(spec: unknown, path: string): Distribution {
  // Pick the form first, so that errors speak of that form rather than of a failed union.
  let schema: z.ZodType<Parsed> = DurationSchema;
  if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
    const keys = Object.keys(spec);
    const form = keys.length === 1 ? FORMS[keys[0] as keyof typeof FORMS] : undefined;
    if (form === undefined) {
      throw new Error(
        `${path}: not a distribution (keys: ${keys.join(", ") || "none"}): ${FORMS_HELP}`,
      );
    }
    schema = form as z.ZodType<Parsed>;
  } else if (typeof spec !== "string" && typeof spec !== "number") {
    throw new Error(`${path}: not a distribution: ${FORMS_HELP}`);
  }
  const r = schema.safeParse(spec);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = [path, ...issue.path.map(String)].join(".");
    throw new Error(`${where}: ${issue.message}`);
  }
  return build(r.data, path);
}

type Parsed = z.output<typeof DistributionSchema>;

function build(p: Parsed, path: string): Distribution {
  if (typeof p === "number") return new FixedDist(p);
  if ("fixed" in p) return new FixedDist(p.fixed);
  if ("uniform" in p) {
    const [min, max] = Array.isArray(p.uniform) ? p.uniform : [p.uniform.min, p.uniform.max];
    if (min > max) {
      throw new Error(
        `${path}.uniform: min (${formatDuration(min)}) is greater than max (${formatDuration(max)})`,
      );
    }
    return new UniformDist(min, max);
  }
  if ("exponential" in p) {
    if (p.exponential.mean <= 0) throw new Error(`${path}.exponential.mean: must be > 0`);
    return new ExponentialDist(p.exponential.mean);
  }
  if ("normal" in p) return new NormalDist(p.normal.mean, p.normal.sd);
  if ("lognormal" in p) return new LogNormalDist(p.lognormal.median, p.lognormal.sigma);
  const e = p.empirical;
  const values = Array.isArray(e) ? e : e.values;
  const weights = Array.isArray(e) ? values.map(() => 1) : e.weights;
  if (weights.length !== values.length) {
    throw new Error(
      `${path}.empirical.weights: has ${weights.length} entries, values has ${values.length}`,
    );
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new Error(`${path}.empirical.weights: must not all be 0`);
  return new EmpiricalDist(values, weights, total);
}

export class FixedDist implements Distribution {
  constructor(readonly value: Time) {}
  get mean(): number {
    return this.value;
  }
  sample(): Time {
    return this.value;
  }
  describe(): string {
    return formatDuration(this.value);
  }
}

class UniformDist implements Distribution {
  constructor(
    readonly min: Time,
    readonly max: Time,
  ) {}
  get mean(): number {
    return (this.min + this.max) / 2;
  }
  sample(rng: RandomStream): Time {
    return Math.round(this.min + (this.max - this.min) * rng.next());
  }
  describe(): string {
    return `uniform(${formatDuration(this.min)}, ${formatDuration(this.max)})`;
  }
}

export class ExponentialDist implements Distribution {
  constructor(readonly mean: number) {}
  sample(rng: RandomStream): Time {
    return Math.round(rng.exponential(this.mean));
  }
  describe(): string {
    return `exp(${formatDuration(this.mean)})`;
  }
}

class NormalDist implements Distribution {
  constructor(
    readonly mean: number,
    readonly sd: number,
  ) {}
  sample(rng: RandomStream): Time {
    // Box-Muller; the mean is >= 0 so at least half the draws are accepted.
    for (;;) {
      const u = 1 - rng.next();
      const v = rng.next();
      const x = this.mean + this.sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      if (x >= 0) return Math.round(x);
    }
  }
  describe(): string {
    return `normal(${formatDuration(this.mean)}, sd ${formatDuration(this.sd)})`;
  }
}

class LogNormalDist implements Distribution {
  readonly mean: number;
  private readonly mu: number;
  constructor(
    readonly median: Time,
    readonly sigma: number,
  ) {
    this.mu = Math.log(Math.max(median, Number.MIN_VALUE));
    this.mean = median * Math.exp((sigma * sigma) / 2);
  }
  sample(rng: RandomStream): Time {
    if (this.median === 0) return 0;
    const u = 1 - rng.next();
    const v = rng.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.round(Math.exp(this.mu + this.sigma * z));
  }
  describe(): string {
    return `lognormal(median ${formatDuration(this.median)}, sigma ${this.sigma})`;
  }
}

class EmpiricalDist implements Distribution {
  readonly mean: number;
  private readonly cumulative: number[];
  constructor(
    private readonly values: Time[],
    weights: number[],
    total: number,
  ) {
    let acc = 0;
    this.cumulative = weights.map((w) => (acc += w / total));
    this.mean = values.reduce((s, v, i) => s + (v * weights[i]!) / total, 0);
  }
  sample(rng: RandomStream): Time {
    const u = rng.next();
    const c = this.cumulative;
    for (let i = 0; i < c.length - 1; i++) if (u < c[i]!) return this.values[i]!;
    return this.values[this.values.length - 1]!;
  }
  describe(): string {
    return `empirical(${this.values.length} values)`;
  }
}
