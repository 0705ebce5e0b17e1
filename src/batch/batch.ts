import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../io/csv-records.js";
import { checkNotLocked, LOCK_FILE, lockFolder } from "../io/lock.js";
import { InputError } from "../scenario/errors.js";
import { type ResolvedScenario, resolveScenario, type ScenarioSource } from "../scenario/load.js";
import type { PreparedScenario } from "../scenario/runner.js";
import { checkWorkload } from "../scenario/workload.js";
import { SummaryAccumulator } from "./accumulator.js";
import {
  type AdaptiveOptions,
  boundaries,
  CHUNK_RULE,
  nextBoundary,
  type StopReason,
} from "./adaptive.js";
import type { RunResult } from "./execute.js";
import {
  checkOutDir,
  errnoText,
  gitCommit,
  makeOutDir,
  removeMadeDirs,
  toolVersion,
  writeCsvAtomic,
  writeFileAtomic,
} from "./files.js";
import type { BatchPlan } from "./plan.js";
import { seedOf, shardRange } from "./plan.js";
import { runPool } from "./pool.js";
import { RunFiles } from "./run-files.js";
import {
  PAIRED_COLUMNS,
  SUMMARY_COLUMNS,
  type SummaryInput,
  type SummaryRow,
  summaryInputOf,
} from "./summary.js";

export const OUTPUT_FILES = [
  "runs.csv",
  "windows.csv",
  "cycles.csv",
  "summary.csv",
  "paired.csv",
  "manifest.json",
];
export const PARTIAL = ".msix-sim-partial";

/**
 * Runs one batch (or shard) may hold. Rows are written as they come; what stays in memory is
 * the summaries' ~25 bytes a run and profile (exact quantiles, accumulator.ts): 2 GB for 20
 * million runs of four profiles.
 */
export const MAX_RUNS_PER_BATCH = 20_000_000;

export interface BatchOptions {
  source: ScenarioSource;
  /** Runs; with `adaptive`, the most runs (--max-runs). */
  runs: number;
  /** Stop at a target precision (--target-halfwidth): runs go in chunks (batch/adaptive.ts). */
  adaptive?: AdaptiveOptions;
  /** Base seed; by default the scenario's own seed (1 unless it sets one). */
  seed?: number;
  profiles: BatchPlan["profiles"];
  workers: number;
  shard: { index: number; count: number };
  out: string;
  windowRuns: number;
  resume: boolean;
  force: boolean;
  commandLine: readonly string[];
  /** Progress: runs done (including resumed ones) of the total. */
  progress?: (done: number, total: number) => void;
  /** Called once the batch is checked and its folder ready, before the first run. */
  onStart?: (plan: BatchPlan, resumed: number) => void;
  /** Set to stop the batch early (SIGINT); completed runs are kept for --resume. */
  abort?: { aborted: boolean };
}

export interface BatchResult {
  status: "done" | "aborted";
  dir: string;
  plan: BatchPlan;
  done: number;
  /** Runs taken from the checkpoint of an interrupted batch (not run this time). */
  resumed: number;
  summary: SummaryRow[];
  /** Per profile: runs by how they ended (link, RoCE, setup failures...), from runs.csv's rows. */
  outcomes: ReturnType<SummaryAccumulator["outcomes"]>;
  events: number;
  seconds: number;
  /** A batch run to a target precision: why it stopped, and its half-widths per profile. */
  stop?: { reason: StopReason; runs: number; halfwidths: Map<string, number> };
}

/**
 * Runs a batch: every run of the plan under every profile, in worker processes. Results are
 * written in run order as they arrive into the checkpoint folder (run-files.ts), so that an
 * interrupted batch resumes where it stopped and memory does not grow with the runs; the files
 * move into the output folder once every run is done, each whole, and do not depend on the
 * number of workers or on how the batch was split.
 */
export async function runBatch(o: BatchOptions): Promise<BatchResult> {
  const started = new Date();
  const t0 = performance.now();
  const resolved = resolveScenario(o.source);
  const prep = resolved.prep;
  // A resumed batch was accepted when it started.
  if (!o.resume) checkWorkload(prep, o.force, o.runs * o.profiles.length);
  const baseSeed = o.seed ?? baseSeedOf(resolved.scenario.seed);
  if (baseSeed > Number.MAX_SAFE_INTEGER - (o.runs - 1)) {
    throw new InputError(
      `--seed: the last run's seed, ${baseSeed} + ${o.runs - 1}, is beyond 2^53 - 1; use a smaller seed`,
    );
  }
  const range = shardRange(o.runs, o.shard.index, o.shard.count);
  if (range.to - range.from > MAX_RUNS_PER_BATCH) {
    throw new InputError(
      `--runs: ${range.to - range.from} runs in one ${o.shard.count > 1 ? "shard" : "batch"}; its summaries keep about 25 bytes a run and profile in memory, so at most ${MAX_RUNS_PER_BATCH.toLocaleString("en-US")}: split it with --shard i/N and merge the shards`,
    );
  }
  const plan: BatchPlan = {
    runs: o.runs,
    baseSeed,
    profiles: o.profiles,
    shard: o.shard,
    from: range.from,
    to: range.to,
    windowRuns: o.windowRuns,
  };
  const partial = join(o.out, PARTIAL);
  if (o.adaptive !== undefined && o.shard.count > 1) {
    throw new InputError(
      "--target-halfwidth and --shard: a batch that stops at a target precision decides its run count as it goes; it cannot be split",
    );
  }
  const identity = JSON.stringify({
    plan: { ...plan, windowRuns: String(plan.windowRuns) },
    scenario: resolved.scenario,
    // Only for an adaptive batch, so that older checkpoints still resume.
    ...(o.adaptive === undefined
      ? {}
      : {
          adaptive: {
            target: o.adaptive.target,
            maxRuns: o.adaptive.maxRuns,
            metric: o.adaptive.metric.name,
          },
        }),
  });
  // Everything is checked before anything is created: a rejected batch writes nothing. Then
  // the folder is locked and checked again (another batch may have been quicker).
  checkOutDir(o.out);
  checkNotLocked(o.out);
  inspectOutDir(o, partial, identity);
  const made = makeOutDir(o.out);
  let release: () => void;
  let files: RunFiles;
  try {
    release = lockFolder(o.out, ["msix-sim", ...o.commandLine].join(" "));
  } catch (e) {
    removeMadeDirs(made);
    throw e;
  }
  try {
    inspectOutDir(o, partial, identity);
    files = initOutDir(o, partial, identity, plan.from, plan.to);
  } catch (e) {
    release();
    removeMadeDirs(made);
    throw e;
  }
  try {
    return await runLocked(o, { started, t0, resolved, prep, plan, partial, files });
  } finally {
    release();
  }
}

async function runLocked(
  o: BatchOptions,
  c: {
    started: Date;
    t0: number;
    resolved: ResolvedScenario;
    prep: PreparedScenario;
    plan: BatchPlan;
    partial: string;
    files: RunFiles;
  },
): Promise<BatchResult> {
  const { started, t0, resolved, prep, plan, partial, files } = c;
  let total = plan.to - plan.from;
  // The summaries of the runs the checkpoint holds, read back from its runs.csv.
  const acc = new SummaryAccumulator(plan.profiles);
  await readRuns(join(partial, "runs.csv"), acc, plan.from);
  if (acc.runs !== files.next - plan.from) {
    throw new InputError(
      `--resume: the checkpoint in ${partial} is damaged (its index says ${files.next - plan.from} runs, runs.csv holds ${acc.runs}); use --force to start the batch over`,
    );
  }
  const resumed = files.next - plan.from;
  o.onStart?.(plan, resumed);

  const abort = o.abort ?? { aborted: false };
  let events = 0;
  const inOrder = (r: RunResult) => acc.addRun(r.inputs);
  /** Runs [files.next, to) on the pool: every run below files.next is done. */
  const runRange = (to: number) => {
    const todo: number[] = [];
    for (let r = files.next; r < to; r++) todo.push(r);
    o.progress?.(files.next - plan.from, total);
    let done = files.next - plan.from;
    return runPool({
      prep,
      plan,
      todo,
      workers: o.workers,
      abort,
      onResult: (r) => {
        files.add(r, inOrder);
        events += r.events;
        o.progress?.(++done, total);
      },
    });
  };
  let status: "done" | "aborted" = "aborted";
  let stop: BatchResult["stop"];
  const ad = o.adaptive;
  try {
    if (ad === undefined) status = await runRange(plan.to);
    else {
      // Chunk by chunk; a resumed batch replays the decisions at the boundaries it had passed.
      let n = 0;
      for (;;) {
        n = nextBoundary(n, ad.maxRuns);
        total = n;
        status = await runRange(n);
        if (status === "aborted") break;
        const hw = acc.halfwidths(ad.metric, n);
        const reached = [...hw.values()].every((h) => h <= ad.target);
        if (reached || n >= ad.maxRuns) {
          stop = { reason: reached ? "target reached" : "max runs", runs: n, halfwidths: hw };
          break;
        }
      }
    }
  } finally {
    // What arrived in order is written and indexed, done or not: --resume starts after it.
    files.close();
  }
  const result = (
    summary: SummaryRow[],
    outcomes: BatchResult["outcomes"] = new Map(),
  ): BatchResult => ({
    status,
    dir: o.out,
    plan,
    done: files.next - plan.from,
    resumed,
    summary,
    outcomes,
    events,
    seconds: (performance.now() - t0) / 1000,
    ...(stop === undefined ? {} : { stop }),
  });
  if (status === "aborted") return result([]);

  // An adaptive batch ends at its last boundary (the checkpoint holds nothing beyond it).
  const last = stop?.runs ?? plan.to;
  if (files.next !== last) throw new Error(`batch: ${files.next} runs in order of ${last}`);
  const summary = acc.summary(ad?.metric);
  // The summaries first (from the accumulator), then the per-run files: a kill between the
  // renames leaves the checkpoint, and --resume finishes the job.
  await writeCsvAtomic(join(o.out, "summary.csv"), SUMMARY_COLUMNS, summary);
  await writeCsvAtomic(join(o.out, "paired.csv"), PAIRED_COLUMNS, acc.paired());
  files.publish(o.out);
  const manifest = {
    tool: "msix-sim",
    version: toolVersion(),
    git_commit: gitCommit(),
    command_line: ["msix-sim", ...o.commandLine].join(" "),
    scenario_source: resolved.label,
    scenario: resolved.scenario,
    profiles: plan.profiles,
    runs: stop?.runs ?? plan.runs,
    shard: `${plan.shard.index}/${plan.shard.count}`,
    run_range: [plan.from, last],
    seeds: {
      base: plan.baseSeed,
      first: seedOf(plan, plan.from),
      last: seedOf(plan, last - 1),
      rule: "seed = base + run",
    },
    window_runs: Number.isFinite(plan.windowRuns) ? plan.windowRuns : "all",
    ...(ad === undefined || stop === undefined
      ? {}
      : {
          target_precision: {
            metric: ad.metric.name,
            metric_definition: ad.metric.definition,
            target_halfwidth: ad.target,
            interval:
              "Wilson 95% score interval of the metric's rate; half-width = (high - low) / 2",
            max_runs: ad.maxRuns,
            chunks: CHUNK_RULE,
            boundaries_passed: boundaries(ad.maxRuns).filter((b) => b <= stop.runs),
            stop_reason: stop.reason,
            runs: stop.runs,
            halfwidths: Object.fromEntries(stop.halfwidths),
          },
        }),
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
  };
  writeFileAtomic(join(o.out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(partial, { recursive: true, force: true });
  return result(summary, acc.outcomes());
}

/** The base seed a scenario implies: its seed, which must then be a number (seed = base + run). */
export function baseSeedOf(seed: number | string): number {
  if (typeof seed === "number") return seed;
  throw new InputError(
    `seed: the scenario's seed "${seed}" is not a number, and a batch runs seeds base + run; give --seed`,
  );
}

/**
 * Feeds the rows of a checkpoint's runs.csv to `acc`, checking that they are the batch's runs
 * from `from` on, in order, each under every profile.
 */
async function readRuns(path: string, acc: SummaryAccumulator, from: number): Promise<void> {
  let run: SummaryInput[] = [];
  for await (const { record, line } of csvRecords(path)) {
    const want = from + acc.runs;
    const profile = acc.profiles[run.length];
    if (Number(record.run) !== want || record.profile !== profile) {
      throw new InputError(
        `--resume: the checkpoint's ${path} is damaged (line ${line} should be run ${want}, profile ${profile}); use --force to start the batch over`,
      );
    }
    run.push(summaryInputOf(record));
    if (run.length === acc.profiles.length) {
      acc.addRun(run);
      run = [];
    }
  }
  if (run.length > 0) throw new InputError(`--resume: ${path} ends in the middle of a run`);
}

/** Files a batch owns in its folder (its outputs and its checkpoint). */
const OWNED = [...OUTPUT_FILES, PARTIAL];

/** Entries of a folder that count as its contents (not the lock of whoever is using it). */
export function contentsOf(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((e) => !e.startsWith(LOCK_FILE)) : [];
}

/**
 * Reads (never writes) the output folder: with --resume, that it holds the checkpoint of the
 * same plan; otherwise that it is empty or --force was given.
 */
function inspectOutDir(o: BatchOptions, partial: string, identity: string): void {
  const entries = contentsOf(o.out);
  if (o.resume) {
    if (!existsSync(join(partial, "plan.json"))) {
      if (entries.includes("runs.csv")) {
        throw new InputError(`--resume: ${o.out} holds a finished batch; nothing to resume`);
      }
      throw new InputError(`--resume: ${o.out} holds no interrupted batch`);
    }
    const was = readFileSync(join(partial, "plan.json"), "utf8");
    if (was !== identity) {
      throw new InputError(
        `--resume: the batch in ${o.out} was started with another scenario, run count, seed, profiles or shard${describeChange(was, identity)}; run it with its own arguments, or use --force to start this one over`,
      );
    }
    return;
  }
  if (entries.length > 0 && !o.force) {
    throw new InputError(
      `--out ${o.out}: folder is not empty; use --resume to continue a batch or --force to overwrite`,
    );
  }
}

/** Creates the checkpoint, or opens a resumed one cut back to its last index. */
function initOutDir(
  o: BatchOptions,
  partial: string,
  identity: string,
  from: number,
  to: number,
): RunFiles {
  try {
    if (o.resume) return RunFiles.resume(partial, o.out, from, to);
    for (const f of OWNED) rmSync(join(o.out, f), { recursive: true, force: true });
    mkdirSync(partial);
    writeFileSync(join(partial, "plan.json"), identity);
    return RunFiles.create(partial, from);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`--out ${o.out}: cannot write the checkpoint: ${errnoText(e)}`);
  }
}

/** ": runs 8 -> 3, seed 1 -> 5" for two plan identities (JSON), or "" when not readable. */
function describeChange(was: string, now: string): string {
  let a: Record<string, unknown>;
  let b: Record<string, unknown>;
  try {
    a = JSON.parse(was) as Record<string, unknown>;
    b = JSON.parse(now) as Record<string, unknown>;
  } catch {
    return "";
  }
  const diffs = differences(a, b);
  return diffs.length > 0 ? ` (${diffs.join("; ")})` : "";
}

/** Paths where two JSON values differ, with both values, at most `max` of them. */
export function differences(a: unknown, b: unknown, path = "", max = 4): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, p: string) => {
    if (out.length >= max) return;
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    const objects = x !== null && y !== null && typeof x === "object" && typeof y === "object";
    if (objects && Array.isArray(x) === Array.isArray(y) && !Array.isArray(x)) {
      const keys = [...new Set([...Object.keys(x as object), ...Object.keys(y as object)])];
      for (const k of keys) {
        walk(
          (x as Record<string, unknown>)[k],
          (y as Record<string, unknown>)[k],
          p === "" ? k : `${p}.${k}`,
        );
      }
      return;
    }
    out.push(`${p || "(all)"}: was ${short(x)}, now ${short(y)}`);
  };
  walk(a, b, path);
  return out;
}

function short(v: unknown): string {
  const s = v === undefined ? "unset" : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export type { ResolvedScenario };
