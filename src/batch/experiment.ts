import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { parseDuration, S } from "../engine/index.js";
import { parseJsonStrict } from "../io/data-file.js";
import { checkNotLocked, lockFolder } from "../io/lock.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { InputError, parseWith } from "../scenario/errors.js";
import { resolveScenario, type ScenarioSource } from "../scenario/load.js";
import { type BatchResult, baseSeedOf, runBatch } from "./batch.js";
import { checkOutDir, makeOutDir, writeCsvAtomic, writeFileAtomic } from "./files.js";
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
  force: boolean;
  quiet: boolean;
  commandLine: readonly string[];
  abort?: { aborted: boolean };
  onPoint?: (label: string, index: number, total: number) => void;
  progress?: (done: number, total: number) => void;
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
  let data: unknown;
  try {
    data = parseJsonStrict(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`experiment ${file}: ${(e as Error).message}`);
  }
  return parseWith(ExperimentSchema, data);
}

/** Runs every grid point (a finished point with the same scenario is kept), then the combined summary. */
export async function runExperiment(
  o: ExperimentOptions,
): Promise<{ status: "done" | "aborted"; rows: number }> {
  const e = loadExperiment(o.file);
  const points = gridPoints(e);
  checkOutDir(o.out);
  checkNotLocked(o.out);
  makeOutDir(o.out);
  const release = lockFolder(o.out, ["msix-sim", ...o.commandLine].join(" "));
  try {
    return await runPoints(o, e, points);
  } finally {
    release();
  }
}

async function runPoints(
  o: ExperimentOptions,
  e: Experiment,
  points: GridPoint[],
): Promise<{ status: "done" | "aborted"; rows: number }> {
  const combined: Array<Record<string, unknown>> = [];
  const gridKeys = Object.keys(e.grid);
  for (const [i, point] of points.entries()) {
    o.onPoint?.(point.slug, i, points.length);
    const params = { ...e.params };
    const sets = Object.entries(e.set).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    let preset = e.preset;
    for (const [k, v] of Object.entries(point.values)) {
      if (k === "preset") preset = String(v);
      else if (k.startsWith("set:")) sets.push(`${k.slice(4)}=${JSON.stringify(v)}`);
      else params[k] = v;
    }
    // Without a grid the experiment is one batch: its files go straight into the results folder.
    const dir = gridKeys.length === 0 ? o.out : join(o.out, point.slug);
    const source = {
      preset,
      scenarioFile: e.scenario === undefined ? undefined : resolve(dirname(o.file), e.scenario),
      params: Object.entries(params).map(([k, v]) => `${k}=${v}`),
      sets,
    };
    const kept = o.force ? null : finishedSummary(dir, e, source);
    if (kept !== null) {
      for (const s of kept) combined.push(combinedRow(e, gridKeys, point, s));
      continue;
    }
    const resume = !o.force && existsSync(join(dir, ".msix-sim-partial", "plan.json"));
    const res: BatchResult = await runBatch({
      source,
      runs: e.runs,
      seed: e.seed,
      profiles: e.profiles,
      workers: o.workers,
      shard: { index: 1, count: 1 },
      out: dir,
      windowRuns: e.windowRuns === "all" ? Number.POSITIVE_INFINITY : e.windowRuns,
      resume,
      force: !resume,
      commandLine: o.commandLine,
      progress: o.progress,
      abort: o.abort,
    });
    if (res.status === "aborted") return { status: "aborted", rows: combined.length };
    for (const s of res.summary) combined.push(combinedRow(e, gridKeys, point, s));
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

/** The summary of a finished point run with the same scenario and plan, or null. */
function finishedSummary(dir: string, e: Experiment, source: ScenarioSource): SummaryRow[] | null {
  const mf = join(dir, "manifest.json");
  if (!existsSync(mf) || !existsSync(join(dir, "summary.csv"))) return null;
  const m = JSON.parse(readFileSync(mf, "utf8")) as Record<string, unknown>;
  const scenario = resolveScenario(source).scenario;
  const windowRuns = e.windowRuns === "all" ? "all" : e.windowRuns;
  const same =
    JSON.stringify(m.scenario) === JSON.stringify(scenario) &&
    m.runs === e.runs &&
    (m.seeds as { base: number }).base === (e.seed ?? baseSeedOf(scenario.seed)) &&
    JSON.stringify(m.profiles) === JSON.stringify(e.profiles) &&
    m.window_runs === windowRuns &&
    m.shard === "1/1";
  if (!same) return null;
  return parse(readFileSync(join(dir, "summary.csv"), "utf8"), { columns: true }) as SummaryRow[];
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
