import type { ExposurePlan } from "../analysis/exposure.js";
import { expandVectors, type VectorGroups } from "../model/traffic/traffic.js";
import type { Scenario } from "./schema.js";

/** Timeline actions that program MSI-X directly; every other action runs the guest driver. */
const MSIX_ACTIONS = new Set(["msix-enable", "msix-disable", "unmask", "mask"]);

/**
 * What the conditional loss estimator (analysis/exposure.ts) needs of a scenario: its plain
 * Poisson sources, the intervals of its other sources, and whether its windows can depend on
 * the arrivals at all (they can as soon as a guest driver runs). Built once per scenario.
 */
export function exposurePlan(sc: Scenario, groups: VectorGroups): ExposurePlan {
  const driven = sc.timeline.find((e) => !MSIX_ACTIONS.has(e.action));
  const invalid =
    driven === undefined
      ? null
      : `a guest driver runs (timeline action "${driven.action}"): its control plane reacts to interrupts and its NIC queues raise only while NAPI has them armed`;
  const poisson: Array<ExposurePlan["poisson"][number]> = [];
  const other: Array<ExposurePlan["other"][number]> = [];
  for (const spec of sc.traffic) {
    // As the sources run them (model/traffic/traffic.ts): arrivals in [start, min(stop, end)).
    const start = spec.start;
    const stop = Math.min(spec.stop ?? sc.duration, sc.duration);
    let vectors: number[];
    try {
      vectors = expandVectors(spec.vectors, groups);
    } catch {
      // The machine reports a bad vector list, naming its field, before any run.
      continue;
    }
    for (const vector of vectors) {
      if (spec.poisson !== undefined && spec.gate === undefined) {
        poisson.push({ vector, rate: spec.poisson.rate, start, stop });
      } else other.push({ vector, start, stop });
    }
  }
  return { invalid, poisson, other };
}
