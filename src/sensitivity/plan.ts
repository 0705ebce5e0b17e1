import { InputError } from "../scenario/errors.js";
import { type ResolvedScenario, resolveScenario, type ScenarioSource } from "../scenario/load.js";
import { checkWorkload } from "../scenario/workload.js";
import { allAssumptions, type ScenarioAssumption } from "./assumptions.js";

export type End = "low" | "high";

/** One point of a sensitivity analysis: the baseline, or one assumption moved to one end. */
export interface SensitivityPoint {
  /** Folder name under --out (a batch), e.g. p07_mailboxResponse_high. */
  slug: string;
  assumption: ScenarioAssumption | null;
  end: End | null;
  source: ScenarioSource;
  /**
   * run: a batch; same: the end is the baseline's own value (nothing to run, effect 0 by
   * construction); invalid: the scenario rejects it (why: the message naming the field).
   */
  status: "run" | "same" | "invalid";
  why?: string;
  resolved?: ResolvedScenario;
}

export interface SensitivityPlan {
  baseline: SensitivityPoint & { resolved: ResolvedScenario };
  assumptions: ScenarioAssumption[];
  points: SensitivityPoint[];
}

const safe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, "_");

/**
 * Resolves the baseline (an error in the user's own scenario is fatal: InputError) and every
 * point, checking each as a batch would, before anything runs. A point the scenario rejects is
 * kept as "invalid" with the reason: the range is the parameter's, not this scenario's.
 */
export function planSensitivity(
  source: ScenarioSource,
  only: readonly string[] | undefined,
  runs: number,
  force: boolean,
): SensitivityPlan {
  const base = resolveScenario(source);
  checkWorkload(base.prep, force, runs);
  // By default a group moves as one; --only may name a group or any single parameter.
  const every = allAssumptions(base.scenario);
  let list: ScenarioAssumption[] = every.filter((a) => a.grouped !== "member");
  if (only !== undefined) {
    const known = new Set(every.flatMap((a) => [a.name, a.path]));
    const bad = only.filter((n) => !known.has(n));
    if (bad.length > 0) {
      throw new InputError(
        `--only: unknown assumption${bad.length > 1 ? "s" : ""} ${bad.map((b) => `"${b}"`).join(", ")} for this scenario (known: ${every.map((a) => a.name).join(", ")})`,
      );
    }
    list = every.filter((a) => only.includes(a.name) || only.includes(a.path));
  }
  const baseJson = JSON.stringify(base.scenario);
  const baseline = {
    slug: "p00_baseline",
    assumption: null,
    end: null,
    source,
    status: "run" as const,
    resolved: base,
  };
  const points: SensitivityPoint[] = [];
  let i = 0;
  for (const a of list) {
    for (const end of ["low", "high"] as const) {
      const e = a[end];
      if (e === undefined) continue;
      i++;
      const sets = e.sets.map(([path, value]) => `${path}=${JSON.stringify(value)}`);
      const src: ScenarioSource = { ...source, sets: [...(source.sets ?? []), ...sets] };
      const slug = `p${String(i).padStart(2, "0")}_${safe(a.name)}_${end}`;
      const point: SensitivityPoint = { slug, assumption: a, end, source: src, status: "run" };
      try {
        point.resolved = resolveScenario(src);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        points.push({ ...point, status: "invalid", why: err.message });
        continue;
      }
      if (JSON.stringify(point.resolved.scenario) === baseJson) {
        points.push({ ...point, status: "same", why: "the baseline's own value" });
        continue;
      }
      checkWorkload(point.resolved.prep, force, runs);
      points.push(point);
    }
  }
  return { baseline, assumptions: list, points };
}
