import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { RUN_COLUMNS, type RunRow } from "../analysis/run-row.js";
import { InputError } from "../scenario/errors.js";
import { type ResolvedScenario, resolveScenario, type ScenarioSource } from "../scenario/load.js";
import { prepareScenario } from "../scenario/runner.js";
import type { RunOutput } from "./execute.js";
import { CYCLE_COLUMNS, WINDOW_COLUMNS } from "./execute.js";
import { gitCommit, toolVersion, writeCsvAtomic, writeFileAtomic } from "./files.js";
import type { BatchPlan } from "./plan.js";
import { seedOf, shardRange } from "./plan.js";
import { runPool } from "./pool.js";
import {
  PAIRED_COLUMNS,
  pairedSummary,
  SUMMARY_COLUMNS,
  type SummaryInput,
  type SummaryRow,
  summarize,
} from "./summary.js";

export const OUTPUT_FILES = [
  "runs.csv",
  "windows.csv",
  "summary.csv",
  "paired.csv",
  "manifest.json",
];
const PARTIAL = ".msix-sim-partial";

export interface BatchOptions {
  source: ScenarioSource;
  runs: number;
  seed: number;
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
  /** Set to stop the batch early (SIGINT); completed runs are kept for --resume. */
  abort?: { aborted: boolean };
}

export interface BatchResult {
  status: "done" | "aborted";
  dir: string;
  plan: BatchPlan;
  done: number;
  summary: SummaryRow[];
  events: number;
  seconds: number;
}

/**
 * Runs a batch: every run of the plan under every profile, in worker threads, with completed
 * runs checkpointed so that an interrupted batch resumes where it stopped. The CSV files are
 * written only once every run is done, each whole or not at all, in run order, so they do not
 * depend on the number of workers or on how the batch was split.
 */
export async function runBatch(o: BatchOptions): Promise<BatchResult> {
  const started = new Date();
  const t0 = performance.now();
  const resolved = resolveScenario(o.source);
  const prep = prepareScenario(resolved.scenario);
  const range = shardRange(o.runs, o.shard.index, o.shard.count);
  const plan: BatchPlan = {
    runs: o.runs,
    baseSeed: o.seed,
    profiles: o.profiles,
    shard: o.shard,
    from: range.from,
    to: range.to,
    windowRuns: o.windowRuns,
  };
  const partial = join(o.out, PARTIAL);
  const identity = JSON.stringify({
    plan: { ...plan, windowRuns: String(plan.windowRuns) },
    scenario: resolved.scenario,
  });
  const outputs = new Map<number, RunOutput>();

  prepareOutDir(o, partial, identity, outputs);
  const total = plan.to - plan.from;
  const todo: number[] = [];
  for (let r = plan.from; r < plan.to; r++) if (!outputs.has(r)) todo.push(r);
  o.progress?.(outputs.size, total);

  const abort = o.abort ?? { aborted: false };
  let events = 0;
  const status = await runPool({
    prep,
    plan,
    todo,
    workers: o.workers,
    abort,
    onResult: (out) => {
      appendFileSync(join(partial, "runs.jsonl"), `${JSON.stringify(out)}\n`);
      outputs.set(out.run, out);
      events += out.events;
      o.progress?.(outputs.size, total);
    },
  });
  const result = (summary: SummaryRow[]): BatchResult => ({
    status,
    dir: o.out,
    plan,
    done: outputs.size,
    summary,
    events,
    seconds: (performance.now() - t0) / 1000,
  });
  if (status === "aborted") return result([]);

  const ordered = [...outputs.values()].sort((a, b) => a.run - b.run);
  const summary = await writeOutputs(o.out, ordered, plan.profiles);
  const manifest = {
    tool: "msix-sim",
    version: toolVersion(),
    git_commit: gitCommit(),
    command_line: ["msix-sim", ...o.commandLine].join(" "),
    scenario_source: resolved.label,
    scenario: resolved.scenario,
    profiles: plan.profiles,
    runs: plan.runs,
    shard: `${plan.shard.index}/${plan.shard.count}`,
    run_range: [plan.from, plan.to],
    seeds: {
      base: plan.baseSeed,
      first: seedOf(plan, plan.from),
      last: seedOf(plan, plan.to - 1),
      rule: "seed = base + run",
    },
    window_runs: Number.isFinite(plan.windowRuns) ? plan.windowRuns : "all",
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
  };
  writeFileAtomic(join(o.out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(partial, { recursive: true, force: true });
  return result(summary);
}

/** runs.csv, windows.csv, cycles.csv, summary.csv, paired.csv from run outputs in run order. */
export async function writeOutputs(
  dir: string,
  ordered: readonly RunOutput[],
  profiles: readonly string[],
): Promise<SummaryRow[]> {
  const rows: RunRow[] = ordered.flatMap((o) => o.rows);
  await writeCsvAtomic(join(dir, "runs.csv"), RUN_COLUMNS, rows);
  await writeCsvAtomic(
    join(dir, "windows.csv"),
    WINDOW_COLUMNS,
    ordered.flatMap((o) => o.windows),
  );
  await writeCsvAtomic(
    join(dir, "cycles.csv"),
    CYCLE_COLUMNS,
    ordered.flatMap((o) => o.cycles),
  );
  const inputs = rows.map(summaryInputOf);
  const summary = summarize(inputs, profiles);
  await writeCsvAtomic(join(dir, "summary.csv"), SUMMARY_COLUMNS, summary);
  await writeCsvAtomic(join(dir, "paired.csv"), PAIRED_COLUMNS, pairedSummary(inputs, profiles));
  return summary;
}

export function summaryInputOf(r: Record<string, unknown>): SummaryInput {
  return {
    run: Number(r.run),
    profile: String(r.profile),
    linkFailed: Number(r.link_failed),
    dropped: Number(r.irq_dropped),
    dropWindowTotal: Number(r.drop_window_total_ns),
    resizeCycles: Number(r.resize_cycles),
    resetAttempts: Number(r.reset_attempts),
    portResets: Number(r.port_resets),
    outcome: String(r.outcome),
  };
}

function prepareOutDir(
  o: BatchOptions,
  partial: string,
  identity: string,
  outputs: Map<number, RunOutput>,
): void {
  const exists = existsSync(o.out);
  const entries = exists ? readdirSync(o.out) : [];
  if (o.resume) {
    if (!existsSync(join(partial, "plan.json"))) {
      if (entries.includes("runs.csv")) {
        throw new InputError(`--resume: ${o.out} holds a finished batch; nothing to resume`);
      }
      throw new InputError(`--resume: ${o.out} holds no interrupted batch`);
    }
    if (readFileSync(join(partial, "plan.json"), "utf8") !== identity) {
      throw new InputError(
        `--resume: the batch in ${o.out} was started with another scenario, run count, seed, profiles or shard`,
      );
    }
    for (const line of readFileSync(join(partial, "runs.jsonl"), "utf8").split("\n")) {
      if (line === "") continue;
      try {
        const out = JSON.parse(line) as RunOutput;
        outputs.set(out.run, out);
      } catch {
        // A line cut short by a hard kill: that run is simply run again.
      }
    }
    // Rewrite the log without any truncated tail.
    writeFileSync(
      join(partial, "runs.jsonl"),
      [...outputs.values()].map((x) => `${JSON.stringify(x)}\n`).join(""),
    );
    return;
  }
  if (entries.length > 0 && !o.force) {
    throw new InputError(
      `--out ${o.out}: folder is not empty; use --resume to continue a batch or --force to overwrite`,
    );
  }
  for (const f of [...OUTPUT_FILES, PARTIAL])
    rmSync(join(o.out, f), { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, "plan.json"), identity);
  writeFileSync(join(partial, "runs.jsonl"), "");
}

export type { ResolvedScenario };
