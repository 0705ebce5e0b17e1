/**
 * `msix-sim fit`: which value of a scenario knob reproduces an observed failure rate K/N. Each
 * evaluated value is a batch (batch/batch.ts) in its own folder of --out, named after the value,
 * so any of its runs can be replayed (`msix-sim replay DIR/v_rate=2000 --run 17`), and every
 * point runs the same seeds (run r has seed S + r): neighbouring points are compared on the same
 * traffic, which keeps the simulated curve smooth enough to bisect.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { METRIC_NAMES, METRICS, type MetricName, metricByName } from "../analysis/metrics.js";
import { baseSeedOf, contentsOf, PARTIAL, runBatch } from "../batch/batch.js";
import type { PointsCommandOptions } from "../batch/points-options.js";
import { withLockedOut } from "../io/locked-out.js";
import { PROFILE_NAMES, type ProfileName } from "../model/profiles.js";
import {
  type AxisBase,
  type AxisValue,
  paramAssignments,
  withAxisValues,
} from "../scenario/axis.js";
import { InputError } from "../scenario/errors.js";
import { type ResolvedScenario, resolveScenario } from "../scenario/load.js";
import { checkWorkload } from "../scenario/workload.js";
import { checkCount } from "./clopper-pearson.js";
import { writeFitOutputs } from "./outputs.js";
import {
  type Evaluation,
  type Observed,
  observedOf,
  type Search1Result,
  SearchAborted,
  type SearchOptions,
  search1,
} from "./search.js";
import { type Search2Result, search2 } from "./search2.js";
import { axisValue, formatValue, parseVary, slugPart, type VaryAxis } from "./vary.js";

export interface FitOptions extends PointsCommandOptions {
  preset?: string;
  scenarioFile?: string;
  params: readonly string[];
  sets: readonly string[];
  observed: string | undefined;
  vary: readonly string[];
  profile?: string;
  metric?: string;
  search?: SearchOptions;
}

/** Everything `fit` decided, before it runs: checked input. */
export interface FitPlan {
  base: AxisBase;
  scenarioFile: string | undefined;
  axes: VaryAxis[];
  observed: Observed;
  metric: MetricName;
  profile: ProfileName;
  runs: number;
  seed: number;
  out: string;
}

export type FitReport =
  | { kind: "one"; plan: FitPlan; result: Search1Result }
  | { kind: "two"; plan: FitPlan; result: Search2Result };

export interface FitOutcome {
  status: "done" | "aborted";
  /** 0, or 2 when the parameter has no effect over its range. */
  code: number;
  report: FitReport | null;
  /** Points evaluated (run or read back) before the end or the interruption. */
  points: number;
}

/** "3/100" -> {k: 3, n: 100}. */
export function parseObserved(s: string | undefined): { k: number; n: number } {
  if (s === undefined) {
    throw new InputError("--observed: required: K/N, e.g. 3/100 (K failures in N trials)");
  }
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  if (m === null) {
    throw new InputError(`--observed ${s}: expected K/N with whole numbers, e.g. 3/100`);
  }
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n === 0) throw new InputError(`--observed ${s}: N must be at least 1`);
  if (k > n) throw new InputError(`--observed ${s}: K (${k}) cannot exceed N (${n})`);
  checkCount(k, n, `--observed ${s}`);
  return { k, n };
}

/** Checks every input and resolves the scenario at the ends of every range; creates nothing. */
export function planFit(o: FitOptions): FitPlan {
  if (o.resume && o.force) throw new InputError("--resume and --force: give one of them, not both");
  const obs = parseObserved(o.observed);
  const metricName = o.metric ?? "link_failed";
  const metric = metricByName(metricName);
  if (metric === null) {
    throw new InputError(
      `--metric: unknown metric "${metricName}" (known: ${METRIC_NAMES.join(", ")})`,
    );
  }
  if (o.profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(o.profile)) {
    throw new InputError(
      `--profile: unknown profile "${o.profile}" (known: ${PROFILE_NAMES.join(", ")})`,
    );
  }
  if (o.vary.length === 0) {
    throw new InputError(
      "--vary: required: NAME=LO..HI[:log], the parameter to fit (one or two --vary)",
    );
  }
  if (o.vary.length > 2) throw new InputError("--vary: at most two parameters");
  const base: AxisBase = {
    preset: o.preset,
    params: paramRecord(o.params),
    sets: [...o.sets],
  };
  const resolved = resolveAt(base, o.scenarioFile, {}, null);
  const axes = o.vary.map((v) => parseVary(v, resolved.preset));
  if (axes.length === 2 && axes[0]!.name === axes[1]!.name) {
    throw new InputError(`--vary: ${axes[0]!.name} is given twice`);
  }
  // The schema (and the preset's own checks) must accept every corner of the ranges: a value
  // it rejects is found now, not after an hour of runs.
  const corners: number[][] =
    axes.length === 1
      ? [[axes[0]!.lo], [axes[0]!.hi]]
      : [axes[0]!.lo, axes[0]!.hi].flatMap((x) => [axes[1]!.lo, axes[1]!.hi].map((y) => [x, y]));
  const profile = (o.profile ?? resolved.scenario.profile) as ProfileName;
  for (const c of corners) {
    const r = resolveAt(base, o.scenarioFile, axisValues(axes, c), axes);
    checkWorkload(r.prep, o.force, o.runs);
  }
  const seed = o.seed ?? baseSeedOf(resolved.scenario.seed);
  return {
    base,
    scenarioFile: o.scenarioFile,
    axes,
    observed: observedOf(obs.k, obs.n),
    metric: metric.name,
    profile,
    runs: o.runs,
    seed,
    out: o.out,
  };
}

/** --param strings back to a record, so that --vary can override one of them. */
function paramRecord(params: readonly string[]): Record<string, AxisValue> {
  const out: Record<string, AxisValue> = {};
  for (const a of params) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new InputError(`--param ${a}: expected name=value`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

function axisValues(
  axes: readonly VaryAxis[],
  values: readonly number[],
): Record<string, AxisValue> {
  return Object.fromEntries(axes.map((a, i) => [a.name, axisValue(a, values[i]!)]));
}

function resolveAt(
  base: AxisBase,
  scenarioFile: string | undefined,
  values: Record<string, AxisValue>,
  axes: readonly VaryAxis[] | null,
): ResolvedScenario {
  const b = withAxisValues(base, values);
  try {
    return resolveScenario({
      preset: b.preset,
      scenarioFile,
      params: paramAssignments(b.params),
      sets: b.sets,
    });
  } catch (e) {
    if (axes === null || !(e instanceof InputError)) throw e;
    const at = axes.map(
      (a) => `${a.name}=${formatValue(a, Number(String(values[a.name]).replace(/ns$/, "")))}`,
    );
    throw new InputError(
      `--vary ${axes.map((a) => a.spec).join(" --vary ")}: at ${at.join(", ")}: ${e.message}`,
    );
  }
}

/** A point's folder: "v_rate=2000", "v_rate=2000_window=50000". */
export function pointFolder(axes: readonly VaryAxis[], values: readonly number[]): string {
  return `v_${axes.map((a, i) => slugPart(a, values[i]!)).join("_")}`;
}

/** Files fit writes in --out besides the point folders. */
export const FIT_FILES = [
  "fit.csv",
  "fit-map.csv",
  "fit.json",
  "fit.svg",
  "fit.vl.json",
  "index.html",
];

/** Runs the fit: checks, locks --out, evaluates points (kept ones read back), writes the files. */
export async function runFit(o: FitOptions): Promise<FitOutcome> {
  const plan = planFit(o);
  return withLockedOut(
    o.out,
    o.commandLine,
    () => inspectOut(o),
    async () => {
      if (o.force) {
        for (const f of contentsOf(o.out)) {
          if (f.startsWith("v_") || FIT_FILES.includes(f)) {
            rmSync(join(o.out, f), { recursive: true, force: true });
          }
        }
      }
      return fitLocked(o, plan);
    },
  );
}

/** An existing non-empty --out needs --resume or --force (reads only). */
function inspectOut(o: FitOptions): void {
  if (o.resume || o.force) {
    if (o.resume && !contentsOf(o.out).some((f) => f.startsWith("v_"))) {
      throw new InputError(`--resume: ${o.out} holds no fit to continue`);
    }
    return;
  }
  if (contentsOf(o.out).length > 0) {
    throw new InputError(
      `--out ${o.out}: folder is not empty; use --resume to continue a fit (points already run are kept) or --force to start over`,
    );
  }
}

async function fitLocked(o: FitOptions, plan: FitPlan): Promise<FitOutcome> {
  const say = o.say ?? (() => {});
  const metric = METRICS[plan.metric];
  let evaluated = 0;
  let firstSeconds: number | null = null;
  const maxPoints =
    plan.axes.length === 1
      ? (o.search?.gridPoints ?? 7) + (o.search?.refineSteps ?? 4) + 2 * (o.search?.edgeSteps ?? 2)
      : (o.search?.gridPoints ?? 5) ** 2 + (o.search?.maxCells ?? 16);
  const evaluate = async (values: readonly number[]): Promise<Evaluation> => {
    const label = plan.axes.map((a, i) => `${a.name}=${formatValue(a, values[i]!)}`).join(", ");
    const r = resolveAt(plan.base, plan.scenarioFile, axisValues(plan.axes, values), plan.axes);
    const dir = join(plan.out, pointFolder(plan.axes, values));
    const state = o.force ? "new" : pointState(dir, r, plan);
    evaluated++;
    let rows: Array<Record<string, string>>;
    let seconds: number | null = null;
    if (state === "finished") {
      rows = readRuns(dir);
    } else {
      const t0 = performance.now();
      const b = withAxisValues(plan.base, axisValues(plan.axes, values));
      const res = await runBatch({
        source: {
          preset: b.preset,
          scenarioFile: plan.scenarioFile,
          params: paramAssignments(b.params),
          sets: b.sets,
        },
        runs: plan.runs,
        seed: plan.seed,
        profiles: [plan.profile],
        workers: o.workers,
        shard: { index: 1, count: 1 },
        out: dir,
        windowRuns: 0,
        resume: state === "partial",
        force: state !== "partial",
        commandLine: o.commandLine,
        progress: o.progress,
        abort: o.abort,
      });
      if (res.status === "aborted") throw new SearchAborted();
      rows = readRuns(dir);
      seconds = (performance.now() - t0) / 1000;
    }
    const mine = rows.filter((row) => row.profile === plan.profile);
    const k = mine.reduce((s, row) => s + metric.of(row), 0);
    const n = mine.length;
    say(
      `[${evaluated}] ${label}: ${k} of ${n} runs (${pct(k / n)}) with ${metric.noun} (${state === "finished" ? "kept: finished with the same scenario, runs, seed and profile" : state === "partial" ? `resumed: ${dir}` : dir})`,
    );
    if (seconds !== null && firstSeconds === null) {
      firstSeconds = seconds;
      const left = maxPoints - evaluated;
      if (left > 0) {
        say(
          `  (that point took ${firstSeconds.toFixed(1)} s: at most ${left} more, about ${Math.ceil((left * firstSeconds) / 60)} min)`,
        );
      }
    }
    return { k, n };
  };

  const axesText = plan.axes
    .map(
      (a) =>
        `${a.name} over ${formatValue(a, a.lo)}..${formatValue(a, a.hi)}${a.log ? " (log)" : ""}`,
    )
    .join(" and ");
  say(
    `msix-sim fit: ${axesText} to ${plan.observed.k}/${plan.observed.n} ${plan.metric}, profile ${plan.profile}: at most ${maxPoints} points x ${plan.runs} runs (seeds ${plan.seed}..${plan.seed + plan.runs - 1} at every point), into ${plan.out}`,
  );
  const fx = (i: number) => (x: number) => formatValue(plan.axes[i]!, x);
  const search: SearchOptions = {
    ...o.search,
    metric: plan.metric,
    format: fx(0),
    ...(plan.axes.length === 2 ? { formats: [fx(0), fx(1)] as [Fmt, Fmt] } : {}),
  };
  let report: FitReport;
  try {
    if (plan.axes.length === 1) {
      const result = await search1(
        plan.axes[0]!,
        plan.observed,
        evaluate,
        plan.axes[0]!.name,
        search,
      );
      report = { kind: "one", plan, result };
    } else {
      const result = await search2(
        [plan.axes[0]!, plan.axes[1]!],
        plan.observed,
        evaluate,
        [plan.axes[0]!.name, plan.axes[1]!.name],
        search,
      );
      report = { kind: "two", plan, result };
    }
  } catch (e) {
    if (e instanceof SearchAborted)
      return { status: "aborted", code: 130, report: null, points: evaluated - 1 };
    throw e;
  }
  await writeFitOutputs(report, o.commandLine, (v) => pointFolder(plan.axes, v));
  return {
    status: "done",
    code: report.result.status === "no_effect" ? 2 : 0,
    report,
    points: report.result.points.length,
  };
}

type Fmt = (x: number) => string;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * What a point's folder holds: a finished batch of the same scenario, runs, seed and profile
 * (its runs.csv is read back), an interrupted one (resumed), or nothing usable (run, replacing
 * whatever is there).
 */
function pointState(
  dir: string,
  r: ResolvedScenario,
  plan: FitPlan,
): "finished" | "partial" | "new" {
  const same = (scenario: unknown, runs: unknown, seed: unknown, profiles: unknown) =>
    JSON.stringify(scenario) === JSON.stringify(r.scenario) &&
    runs === plan.runs &&
    seed === plan.seed &&
    JSON.stringify(profiles) === JSON.stringify([plan.profile]);
  const planFile = join(dir, PARTIAL, "plan.json");
  if (existsSync(planFile)) {
    const was = readJson(planFile) as { plan?: Record<string, unknown>; scenario?: unknown } | null;
    const p = was?.plan;
    if (p && same(was!.scenario, p.runs, p.baseSeed, p.profiles) && p.windowRuns === "0") {
      return "partial";
    }
    return "new";
  }
  const mf = join(dir, "manifest.json");
  if (existsSync(mf) && existsSync(join(dir, "runs.csv"))) {
    const m = readJson(mf) as Record<string, unknown> | null;
    const seeds = m?.seeds as { base?: unknown } | undefined;
    if (m && same(m.scenario, m.runs, seeds?.base, m.profiles)) return "finished";
  }
  return "new";
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

function readRuns(dir: string): Array<Record<string, string>> {
  return parse(readFileSync(join(dir, "runs.csv"), "utf8"), { columns: true }) as Array<
    Record<string, string>
  >;
}
