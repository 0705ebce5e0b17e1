import { z } from "zod";

/**
 * Assumption metadata: a parameter whose value has no public figure (a latency nobody measured,
 * a vector count that firmware decides, a device behaviour no datasheet states) carries, beside
 * its default in the schema that defines it, a plausible range and why. `msix-sim sensitivity`
 * moves each to its low and high end, one at a time.
 *
 * The metadata lives in a registry of its own (not zod's global one), so that `msix-sim schema`
 * and every parsed value are exactly what they were without it.
 */
export type Assumption =
  /** A number or a count: the low and high values themselves. */
  | { kind: "range"; low: number; high: number; why: string }
  /** A fixed duration: low and high as durations ("1us"). */
  | { kind: "duration"; low: string; high: string; why: string }
  /**
   * A latency distribution: the whole distribution scaled, every quantile times the factor
   * (a lognormal's median, a uniform's bounds, an exponential's mean, a normal's mean and sd;
   * shapes such as sigma are kept), so that "twice as slow" means the same for every form.
   */
  | {
      kind: "scale";
      low: number;
      high: number;
      why: string;
      /**
       * Members of a group move together by default (one CPU that is slower at every step,
       * one ITS that is slower at every command): their individual costs are not independent
       * assumptions. `sensitivity --only MEMBER` still moves one alone.
       */
      group?: string;
    }
  /** A behaviour switch or a choice: the value(s) it could have instead of the default. */
  | { kind: "choice"; values: readonly (boolean | string)[]; why: string };

export const ASSUMPTIONS = z.registry<Assumption, z.ZodType>();

/** Marks `schema` (the field's schema, as placed in its object) as an assumption. */
export function assumed<T extends z.ZodType>(schema: T, meta: Assumption): T {
  ASSUMPTIONS.add(schema, meta);
  return schema;
}

/** An assumption found in a schema tree, with its dotted path under `prefix`. */
export interface AssumptionAt {
  path: string;
  meta: Assumption;
  schema: z.ZodType;
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> };

/**
 * Every assumption under `schema` (objects are walked through their defaults, prefaults and
 * optionals), in the schema's field order.
 */
export function assumptionsIn(schema: z.ZodType, prefix: string): AssumptionAt[] {
  const out: AssumptionAt[] = [];
  const walk = (s: z.ZodType, path: string) => {
    const meta = ASSUMPTIONS.get(s);
    if (meta !== undefined) {
      out.push({ path, meta, schema: s });
      return;
    }
    const def = (s as unknown as { def: Def }).def;
    if (def.innerType !== undefined) {
      walk(def.innerType, path);
      return;
    }
    if (def.type === "object" && def.shape !== undefined) {
      for (const [k, v] of Object.entries(def.shape)) walk(v, `${path}.${k}`);
    }
  };
  walk(schema, prefix);
  return out;
}
