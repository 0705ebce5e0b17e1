import { formatDuration, parseDuration } from "../engine/index.js";
import { driverByName } from "../guest/drivers.js";
import { type Assumption, type AssumptionAt, assumptionsIn } from "../model/assumption.js";
import { ModelParamsSchema } from "../model/params.js";
import type { Scenario } from "../scenario/schema.js";

/** One end of an assumption's range, as --set assignments and as a label for tables. */
export interface AssumptionEnd {
  /** The fields the scenario gets at this end (one; every member for a group), value as JSON. */
  sets: ReadonlyArray<readonly [path: string, value: unknown]>;
  /** "x0.25", "200ns", "true", "8". */
  label: string;
}

/** An assumption reachable from a resolved scenario, with its ends at the scenario's values. */
export interface ScenarioAssumption {
  /**
   * The `--set` path, e.g. params.its.commandLatency.MAPD or driver.napiPollDelay; for a group,
   * the path its members share (params.host.cost).
   */
  path: string;
  /** A group's member paths (moved together); empty for a single parameter. */
  members: readonly string[];
  /** The name tables show and --only takes: a driver field's own name, a model field's path under params (host.cost.ioctl). */
  name: string;
  meta: Assumption;
  /** The scenario's own value (its default, or what the preset or --set made it), as a label. */
  baseline: string;
  /** The low end; absent for a switch (which has only its alternative, reported as high). */
  low: AssumptionEnd | undefined;
  high: AssumptionEnd;
}

/**
 * Every assumption of the model's parameters and of the scenario's driver design, with the
 * values its low and high ends give under this scenario. Scaled distributions are scaled from
 * the scenario's own value, so `--set` before `sensitivity` moves the baseline and both ends.
 */
export function scenarioAssumptions(scenario: Scenario): ScenarioAssumption[] {
  return allAssumptions(scenario).filter((a) => a.grouped !== "member");
}

/**
 * Every assumption, singly (grouped: "member" for a group's members, which --only can name)
 * and as groups (grouped: "group"), in schema order, a group where its first member is.
 */
export function allAssumptions(
  scenario: Scenario,
): Array<ScenarioAssumption & { grouped: "no" | "group" | "member" }> {
  const found = [
    ...assumptionsIn(ModelParamsSchema, "params"),
    ...assumptionsIn(driverByName(scenario.driver.name).schema, "driver"),
  ];
  const out: Array<ScenarioAssumption & { grouped: "no" | "group" | "member" }> = [];
  const groups = new Map<string, AssumptionAt[]>();
  for (const f of found) {
    const g = f.meta.kind === "scale" ? f.meta.group : undefined;
    if (g === undefined) continue;
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  const done = new Set<string>();
  for (const f of found) {
    const g = f.meta.kind === "scale" ? f.meta.group : undefined;
    if (g !== undefined && !done.has(g)) {
      done.add(g);
      out.push(groupOf(scenario, g, groups.get(g)!));
    }
    out.push({ ...single(scenario, f), grouped: g === undefined ? "no" : "member" });
  }
  return out;
}

function single(scenario: Scenario, f: AssumptionAt): ScenarioAssumption {
  const current = valueAt(scenario, f.path);
  return {
    path: f.path,
    members: [],
    name: shortName(f.path),
    meta: f.meta,
    baseline: labelOf(f.meta, current),
    ...endsOf(f.meta, current, f.path),
  };
}

/** A group: every member scaled by the same factor (the members share their range). */
function groupOf(
  scenario: Scenario,
  group: string,
  members: AssumptionAt[],
): ScenarioAssumption & { grouped: "group" } {
  const m = members[0]!.meta as Extract<Assumption, { kind: "scale" }>;
  const end = (f: number): AssumptionEnd => ({
    label: `x${f}`,
    sets: members.map((x) => [x.path, scaleSpec(valueAt(scenario, x.path), f, x.path)] as const),
  });
  const path = members[0]!.path.slice(0, members[0]!.path.lastIndexOf("."));
  return {
    path,
    members: members.map((x) => x.path),
    name: group,
    meta: {
      ...m,
      why: `${members.length} parameters scaled together (${members.map((x) => x.path.slice(path.length + 1)).join(", ")}): ${m.why}`,
    },
    baseline: "x1",
    low: end(m.low),
    high: end(m.high),
    grouped: "group",
  };
}

export function shortName(path: string): string {
  return path.replace(/^(params|driver)\./, "");
}

export function valueAt(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const k of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

function endsOf(
  m: Assumption,
  current: unknown,
  path: string,
): { low: AssumptionEnd | undefined; high: AssumptionEnd } {
  const at = (value: unknown, label: string): AssumptionEnd => ({ sets: [[path, value]], label });
  switch (m.kind) {
    case "range":
      return { low: at(m.low, String(m.low)), high: at(m.high, String(m.high)) };
    case "duration":
      return { low: at(parseDuration(m.low), m.low), high: at(parseDuration(m.high), m.high) };
    case "scale":
      return {
        low: at(scaleSpec(current, m.low, path), `x${m.low}`),
        high: at(scaleSpec(current, m.high, path), `x${m.high}`),
      };
    case "choice": {
      // A switch has one alternative to its current value: the other boolean (a preset may
      // have flipped the default), or the first listed value that differs.
      const alt =
        typeof current === "boolean"
          ? !current
          : (m.values.find((v) => v !== current) ?? m.values[0]!);
      return { low: undefined, high: at(alt, String(alt)) };
    }
  }
}

function labelOf(m: Assumption, current: unknown): string {
  if (m.kind === "duration" && typeof current === "number") return formatDuration(current);
  if (m.kind === "scale") return "x1";
  return String(current);
}

const times = (ns: unknown, f: number): number => Math.max(0, Math.round(Number(ns) * f));

/**
 * A parsed distribution spec (durations already integer ns) with every quantile times `f`:
 * location and scale parameters are multiplied, shape parameters (sigma, weights) kept.
 */
export function scaleSpec(spec: unknown, f: number, path: string): unknown {
  if (typeof spec === "number") return times(spec, f);
  if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
    const [form, v] = Object.entries(spec)[0] ?? [];
    const o = v as Record<string, unknown>;
    switch (form) {
      case "fixed":
        return { fixed: times(v, f) };
      case "uniform":
        return Array.isArray(v)
          ? { uniform: [times(v[0], f), times(v[1], f)] }
          : { uniform: { min: times(o.min, f), max: times(o.max, f) } };
      case "exponential":
        return { exponential: { mean: times(o.mean, f) } };
      case "normal":
        return { normal: { mean: times(o.mean, f), sd: times(o.sd, f) } };
      case "lognormal":
        return { lognormal: { median: times(o.median, f), sigma: o.sigma } };
      case "empirical":
        return Array.isArray(v)
          ? { empirical: v.map((x) => times(x, f)) }
          : {
              empirical: {
                values: (o.values as unknown[]).map((x) => times(x, f)),
                weights: o.weights,
              },
            };
    }
  }
  throw new Error(`${path}: cannot scale ${JSON.stringify(spec)}: not a distribution`);
}
