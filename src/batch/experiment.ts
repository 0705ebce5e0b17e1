import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { parseDuration, S } from "../engine/index.js";
import { parseJsonStrict } from "../io/data-file.js";
import { readInputFile } from "../io/files.js";
import { withLockedOut } from "../io/locked-out.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { paramAssignments, withAxisValues } from "../scenario/axis.js";
import { InputError, parseWith } from "../scenario/errors.js";
import { type ResolvedScenario, resolveScenario, type ScenarioSource } from "../scenario/load.js";
import { checkWorkload } from "../scenario/workload.js";
import {
  type BatchResult,
  baseSeedOf,
  contentsOf,
  differences,
  PARTIAL,
  runBatch,
} from "./batch.js";
import { writeCsvAtomic, writeFileAtomic } from "./files.js";
import { wilson } from "./stats.js";
import { SUMMARY_COLUMNS, type SummaryRow } from "./summary.js";

const Value = z.union([z.string(), z.number(), z.boolean()]);

/**
 * An experiment: a scenario (a preset with parameters, or a file), a grid of values, profiles
 * and a run count. Every grid point is a batch in its own folder; the combined summary.csv puts
 * the grid columns in front of each profile's summary.
 */
export const ExperimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: "must be a lower-case slug" }),
    description: z.string().default(""),
    preset: z.string().optional(),
    scenario: z.string().optional().describe("a scenario file, relative to the experiment file"),
    params: z.record(z.string(), Value).default({}).describe("preset parameters (--param)"),
    set: z.record(z.string(), z.unknown()).default({}).describe("scenario overrides (--set)"),
    grid: z
      .record(z.string(), z.array(Value).min(1))
      .default({})
      .describe(
        'values to sweep; a key "set:path" sweeps a scenario field, others are preset parameters',
      ),
    profiles: z
      .array(z.enum(PROFILE_NAMES))
      .min(1)
      .default([...PROFILE_NAMES]),
    runs: z.number().int().min(1),
    seed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("base seed (default: the scenario's seed; 1 for the presets)"),
    windowRuns: z.union([z.number().int().min(0), z.literal("all")]).default(20),
    check: z
      .literal("closed-form")
      .optional()
      .describe("add the closed-form P(drop) = 1 - exp(-rate * window) beside the measured rate"),
  })
  .strict()
  .superRefine((e, ctx) => {
    const presets = e.preset !== undefined || e.grid.preset !== undefined;
    if (presets === (e.scenario !== undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "give exactly one of preset (or a preset grid) and scenario",
      });
    }
  });
export type Experiment = z.output<typeof ExperimentSchema>;

export interface ExperimentOptions {
  file: string;
  out: string;
  workers: number;
  /** Start over: every point is run again (the folder's point folders are removed first). */
  force: boolean;
  /** Continue: points that finished with the same scenario and plan are kept, interrupted ones resumed. */
  resume: boolean;
  quiet: boolean;
  commandLine: readonly string[];
  abort?: { aborted: boolean };
  onPoint?: (label: string, index: number, total: number) => void;
  progress?: (done: number, total: number) => void;
  /** What happens to a point that is not simply run (kept, resumed, run again and why). */
  note?: (text: string) => void;
}

export interface GridPoint {
  values: Record<string, string | number | boolean>;
  slug: string;
}

export function gridPoints(e: Experiment): GridPoint[] {
  let points: Array<Record<string, string | number | boolean>> = [{}];
  for (const [key, values] of Object.entries(e.grid)) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points.map((values, i) => {
    const parts = Object.entries(values).map(
      ([k, v]) =>
        `${k.replace(/^set:/, "").replace(/[^a-zA-Z0-9_.-]/g, "_")}=${String(v).replace(/[^a-zA-Z0-9_.-]/g, "_")}`,
    );
    return { values, slug: [`p${String(i + 1).padStart(2, "0")}`, ...parts].join("_") };
  });
}

export function loadExperiment(file: string): Experiment {
  const text = readInputFile(file, "experiment");
  let data: unknown;
  try {
    data = parseJsonStrict(text);
  } catch (e) {
    throw new InputError(`experiment ${file}: ${(e as Error).message}`);
  }
  return parseWith(ExperimentSchema, data);
}

/** A grid point ready to run: its folder and its fully resolved (and checked) batch. */
interface PointPlan {
  point: GridPoint;
  dir: string;
  source: ScenarioSource;
  resolved: ResolvedScenario;
  seed: number;
  windowRuns: number;
  /** What a finished or interrupted point in `dir` must match to be kept or resumed. */
  identity: Record<string, unknown>;
}

/** What the folder holds for a point. */
type PointState =
  | { kind: "new" }
  | { kind: "finished" | "partial"; same: true }
  | { kind: "finished" | "partial"; same: false; why: string };

function planPoints(e: Experiment, o: ExperimentOptions, points: GridPoint[]): PointPlan[] {
  const gridKeys = Object.keys(e.grid);
  return points.map((point) => {
    const { preset, params, sets } = withAxisValues(
      {
        preset: e.preset,
        params: e.params,
        sets: Object.entries(e.set).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
      },
      point.values,
    );
    const source: ScenarioSource = {
      preset,
      scenarioFile: e.scenario === undefined ? undefined : resolve(dirname(o.file), e.scenario),
      params: paramAssignments(params),
      sets,
    };
    let resolved: ResolvedScenario;
    try {
      resolved = resolveScenario(source);
    } catch (err) {
      if (!(err instanceof InputError) || gridKeys.length === 0) throw err;
      throw new InputError(`experiment ${o.file}: grid point ${point.slug}: ${err.message}`);
    }
    const seed = e.seed ?? baseSeedOf(resolved.scenario.seed);
    const windowRuns = e.windowRuns === "all" ? Number.POSITIVE_INFINITY : e.windowRuns;
    return {
      point,
      // Without a grid the experiment is one batch: its files go straight into the results folder.
      dir: gridKeys.length === 0 ? o.out : join(o.out, point.slug),
      source,
      resolved,
      seed,
      windowRuns,
      identity: {
        scenario: resolved.scenario,
        runs: e.runs,
        seed,
        profiles: e.profiles,
        window_runs: e.windowRuns,
      },
    };
  });
}

/** Reads (never writes) what a point's folder holds: a finished batch, an interrupted one, none. */
function pointState(p: PointPlan): PointState {
  const mf = join(p.dir, "manifest.json");
  const plan = join(p.dir, PARTIAL, "plan.json");
  const compare = (kind: "finished" | "partial", was: Record<string, unknown> | null) => {
    if (was === null) return { kind, same: false as const, why: "its files are unreadable" };
    const diffs = differences(was, p.identity);
    return diffs.length === 0
      ? { kind, same: true as const }
      : { kind, same: false as const, why: diffs.join("; ") };
  };
  if (existsSync(plan)) {
    const was = readJson(plan) as { plan?: Record<string, unknown>; scenario?: unknown } | null;
    const pl = was?.plan;
    return compare(
      "partial",
      pl === undefined
        ? null
        : {
            scenario: was!.scenario,
            runs: pl.runs,
            seed: pl.baseSeed,
            profiles: pl.profiles,
            window_runs: pl.windowRuns === "Infinity" ? "all" : Number(pl.windowRuns),
            ...(JSON.stringify(pl.shard) === JSON.stringify({ index: 1, count: 1 })
              ? {}
              : { shard: pl.shard }),
          },
    );
  }
  if (existsSync(mf) && existsSync(join(p.dir, "summary.csv"))) {
    const m = readJson(mf) as Record<string, unknown> | null;
    return compare(
      "finished",
      m === null
        ? null
        : {
            scenario: m.scenario,
            runs: m.runs,
            seed: (m.seeds as { base?: unknown } | undefined)?.base,
            profiles: m.profiles,
            window_runs: m.window_runs,
            ...(m.shard === "1/1" ? {} : { shard: m.shard }),
          },
    );
  }
  return { kind: "new" };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** Point folders (pNN_...) in the results folder. */
function pointFolders(out: string): string[] {
  return existsSync(out)
    ? readdirSync(out)
        .filter((f) => /^p\d+_/.test(f))
        .sort()
    : [];
}

/**
 * Checks the results folder against --resume / --force (reads only): without either it must be
 * empty; --resume needs an experiment with the same grid.
 */
function inspectResults(o: ExperimentOptions, plans: PointPlan[], gridless: boolean): PointState[] {
  const states = plans.map(pointState);
  const contents = contentsOf(o.out);
  if (o.force) return states;
  const finished = states.filter((s) => s.kind === "finished").length;
  const partial = states.filter((s) => s.kind === "partial").length;
  if (!o.resume) {
    if (contents.length > 0) {
      const what =
        finished + partial > 0
          ? ` (an experiment: ${finished} of ${plans.length} points finished${partial > 0 ? `, ${partial} interrupted` : ""})`
          : "";
      throw new InputError(
        `--out ${o.out}: folder is not empty${what}; use --resume to continue it or --force to start over`,
      );
    }
    return states;
  }
  if (finished + partial === 0 && !existsSync(join(o.out, "README.md"))) {
    throw new InputError(`--resume: ${o.out} holds no experiment to continue`);
  }
  if (!gridless) {
    const grid = new Set(plans.map((p) => p.point.slug));
    const stale = pointFolders(o.out).filter((f) => !grid.has(f));
    if (stale.length > 0) {
      throw new InputError(
        `--resume: the grid changed: ${stale.slice(0, 3).join(", ")}${stale.length > 3 ? ", ..." : ""} in ${o.out} ${stale.length > 1 ? "are not points" : "is not a point"} of this experiment any more; use --force to start over, or another --out`,
      );
    }
  }
  return states;
}

/** Runs every grid point (finished points are kept with --resume), then the combined summary. */
export async function runExperiment(
  o: ExperimentOptions,
): Promise<{ status: "done" | "aborted"; rows: number }> {
  if (o.resume && o.force) throw new InputError("--resume and --force: give one of them, not both");
  const e = loadExperiment(o.file);
  const gridless = Object.keys(e.grid).length === 0;
  // Every point is resolved and checked, and the folder inspected, before anything is written.
  const plans = planPoints(e, o, gridPoints(e));
  return withLockedOut(
    o.out,
    o.commandLine,
    () => {
      const states = inspectResults(o, plans, gridless);
      plans.forEach((p, i) => {
        // Work a run resumed or kept was accepted when it started.
        const st = states[i]!;
        if (st.kind === "new" || !st.same || o.force) {
          checkWorkload(p.resolved.prep, o.force, e.runs * e.profiles.length);
        }
      });
      return states;
    },
    async (inspected: PointState[]) => {
      let states = inspected;
      if (o.force) {
        for (const f of pointFolders(o.out)) {
          rmSync(join(o.out, f), { recursive: true, force: true });
        }
        for (const f of ["summary.csv", "README.md"]) rmSync(join(o.out, f), { force: true });
        states = plans.map(() => ({ kind: "new" }));
      }
      return runPoints(o, e, plans, states);
    },
  );
}

async function runPoints(
  o: ExperimentOptions,
  e: Experiment,
  plans: PointPlan[],
  states: PointState[],
): Promise<{ status: "done" | "aborted"; rows: number }> {
  const combined: Array<Record<string, unknown>> = [];
  const gridKeys = Object.keys(e.grid);
  for (const [i, p] of plans.entries()) {
    const st = states[i]!;
    o.onPoint?.(p.point.slug, i, plans.length);
    if (st.kind === "finished" && st.same) {
      o.note?.(`${p.point.slug}: finished with the same scenario and plan: kept`);
      const rows = parse(readFileSync(join(p.dir, "summary.csv"), "utf8"), {
        columns: true,
      }) as SummaryRow[];
      for (const s of rows) combined.push(combinedRow(e, gridKeys, p.point, s));
      continue;
    }
    const resume = st.kind === "partial" && st.same;
    if (resume) o.note?.(`${p.point.slug}: interrupted: resumed`);
    else if (st.kind !== "new" && !st.same) {
      o.note?.(`${p.point.slug}: ${st.kind} with another plan (${st.why}): run again`);
    }
    const res: BatchResult = await runBatch({
      source: p.source,
      runs: e.runs,
      seed: p.seed,
      profiles: e.profiles,
      workers: o.workers,
      shard: { index: 1, count: 1 },
      out: p.dir,
      windowRuns: p.windowRuns,
      resume,
      force: !resume,
      commandLine: o.commandLine,
      progress: o.progress,
      abort: o.abort,
    });
    if (res.status === "aborted") return { status: "aborted", rows: combined.length };
    for (const s of res.summary) combined.push(combinedRow(e, gridKeys, p.point, s));
  }
  const columns = [
    ...gridKeys.map((k) => k.replace(/^set:/, "")),
    ...SUMMARY_COLUMNS,
    ...(e.check ? CHECK_COLUMNS : []),
  ];
  await writeCsvAtomic(join(o.out, "summary.csv"), columns, combined);
  writeFileAtomic(
    join(o.out, "README.md"),
    `# ${e.name}\n\n${e.description}\n\nProduced by:\n\n    msix-sim ${o.commandLine.join(" ")}\n\nPlots and index.html: \`msix-sim plot ${o.out}\`.\n\n${gridKeys.length === 0 ? "A batch: runs.csv, windows.csv, cycles.csv, summary.csv, paired.csv, manifest.json." : "One folder per grid point (a batch: runs.csv, windows.csv, cycles.csv, summary.csv, paired.csv, manifest.json); summary.csv here combines them, grid columns first."}\n`,
  );
  return { status: "done", rows: combined.length };
}

const CHECK_COLUMNS = [
  "expected_drop_rate",
  "expected_mean_drops",
  "expected_within_ci95",
] as const;

function combinedRow(
  e: Experiment,
  gridKeys: string[],
  point: GridPoint,
  s: SummaryRow,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const k of gridKeys) row[k.replace(/^set:/, "")] = point.values[k];
  Object.assign(row, s);
  if (e.check === "closed-form") {
    const rate = Number(point.values.rate ?? e.params.rate);
    const window = parseDuration((point.values.window ?? e.params.window) as string) / S;
    const lw = rate * window;
    const p = 1 - Math.exp(-lw);
    const ci = wilson(Number(s.runs_with_drops), Number(s.runs));
    row.expected_drop_rate = Math.round(p * 1e8) / 1e8;
    row.expected_mean_drops = Math.round(lw * 1e8) / 1e8;
    row.expected_within_ci95 =
      s.profile === "dyn" || s.profile === "dyn-small-itt"
        ? null
        : p >= ci.low && p <= ci.high
          ? 1
          : 0;
  }
  return row;
}
