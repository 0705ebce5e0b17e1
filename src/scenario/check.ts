import { type DistributionSpec, formatDuration, parseDistribution } from "../engine/index.js";
import { Machine } from "../model/machine.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { InputError } from "./errors.js";
import type { PreparedScenario } from "./runner.js";

/**
 * The earliest time a distribution can draw, in ns: a timeline action whose earliest time is
 * after the run's end never happens.
 */
export function earliestOf(spec: DistributionSpec): number {
  if (typeof spec === "number") return spec;
  if (typeof spec !== "object" || spec === null) return 0;
  if ("fixed" in spec) return Number(spec.fixed);
  if ("uniform" in spec) {
    const u = spec.uniform;
    return Number(Array.isArray(u) ? u[0] : u.min);
  }
  if ("empirical" in spec) {
    const e = spec.empirical;
    const values = (Array.isArray(e) ? e : e.values).map(Number);
    const weights = Array.isArray(e) ? values.map(() => 1) : e.weights;
    const possible = values.filter((_, i) => (weights[i] ?? 0) > 0);
    return possible.length > 0 ? Math.min(...possible) : 0;
  }
  return 0; // exponential, normal (cut at 0), lognormal
}

const ACTIONS_WITH_VECTORS = new Set(["unmask", "mask"]);

/**
 * Everything about a prepared scenario that its schema cannot see, checked before anything runs
 * or is written: each timeline time is a valid distribution that can fall within the run, nvec
 * fits the MSI-X table, vectors and nvec only where they mean something, and everything the
 * machine and the guest driver check when they are built (traffic vectors, the driver's
 * distributions). Throws an InputError naming the field.
 */
export function checkScenario(prep: PreparedScenario): void {
  const sc = prep.scenario;
  const table = prep.params.device.tableSize;
  sc.timeline.forEach((e, i) => {
    const at = `timeline[${i}].at`;
    try {
      parseDistribution(e.at, at);
    } catch (err) {
      throw new InputError((err as Error).message);
    }
    const earliest = earliestOf(e.at as DistributionSpec);
    if (earliest > sc.duration) {
      throw new InputError(
        `${at}: ${formatDuration(earliest)} is after the end of the run (duration ${formatDuration(sc.duration)}): ${e.action} would never happen`,
      );
    }
    if (e.nvec !== undefined) {
      if (e.action !== "msix-enable") {
        throw new InputError(`timeline[${i}].nvec: only for msix-enable, not ${e.action}`);
      }
      if (e.nvec > table) {
        throw new InputError(
          `timeline[${i}].nvec: ${e.nvec} is beyond the MSI-X table (size ${table})`,
        );
      }
    }
    if (e.vectors !== undefined && !ACTIONS_WITH_VECTORS.has(e.action)) {
      throw new InputError(`timeline[${i}].vectors: only for unmask and mask, not ${e.action}`);
    }
  });
  // Build (never run) the machine and the driver under every profile: what they check when
  // they are built is then found here rather than in the middle of a batch.
  for (const profile of PROFILE_NAMES) {
    try {
      const m = new Machine({
        profile,
        seed: 0,
        params: prep.params,
        traffic: sc.traffic,
        vectorGroups: prep.groups,
        until: sc.duration,
      });
      const load =
        sc.nic === undefined
          ? null
          : { ...sc.nic, stop: Math.min(sc.nic.stop ?? sc.duration, sc.duration) };
      prep.driver.create(m, sc.driver, load);
    } catch (err) {
      throw new InputError((err as Error).message);
    }
  }
}
