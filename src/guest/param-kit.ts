import { z } from "zod";
import {
  type Distribution,
  DistributionSchema,
  DurationSchema,
  parseDistribution,
} from "../engine/index.js";

/** Drivers mark their assumptions (a plausible range and why) with the model's helper. */
export { type Assumption, assumed } from "../model/assumption.js";

/**
 * The range every NIC design's NAPI poll delay is varied over: the delay is the guest kernel's
 * (softirq scheduling), not the driver's, so one range serves them all.
 */
export const NAPI_POLL_DELAY_RANGE = {
  kind: "duration",
  low: "1us",
  high: "50us",
  why: "softirq scheduling after the hard irq: ~1 us on an idle vCPU, tens of us when busy (no public figure)",
} as const;

/** Zod builders every driver's parameter schema uses: a default and a description each. */

/** A latency distribution ("2us", {uniform: [...]}, ...). */
export const dist = (spec: z.input<typeof DistributionSchema>, about: string) =>
  DistributionSchema.prefault(spec).describe(about);

/** A fixed duration. */
export const duration = (spec: string, about: string) =>
  DurationSchema.prefault(spec).describe(about);

/** A whole number in [min, max]. */
export const count = (dflt: number, max: number, about: string, min = 0) =>
  z.number().int().min(min).max(max).default(dflt).describe(about);

/** Events per second, >= 0. */
export const rate = (about: string, dflt = 0) =>
  z.number().min(0).max(1e6).default(dflt).describe(about);

/**
 * A driver's latency distributions, built once from its parameters; an error names the field
 * (`driver.<key>`).
 */
export function distributions<K extends string>(
  p: Readonly<Record<K, unknown>>,
  keys: readonly K[],
): Readonly<Record<K, Distribution>> {
  const out = {} as Record<K, Distribution>;
  for (const k of keys) out[k] = parseDistribution(p[k], `driver.${k}`);
  return out;
}
