import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { applyRunHeapFlags } from "../batch/heap-flags.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { batchThroughput } from "./batch.js";
import { holdEngine, holdRawQueue, holdRawTyped } from "./hold.js";
import { measureCli } from "./memory.js";

/**
 * `npm run bench [-- --json] [-- --events N] [-- --rounds R] [-- --only NAME,PREFIX,...]`. Each
 * case runs in its own process so that one case's type feedback (a different comparator, a
 * different handler) cannot slow another.
 *
 * The engine's hold model and the C++ loop are measured in turn, R rounds of (engine, C++) per
 * P, and compared round by round: on a shared machine the load drifts, and a ratio of two runs
 * taken minutes apart would measure the drift.
 */
type Row = Record<string, string | number>;

interface Case {
  name: string;
  run(events: number): Row | Promise<Row>;
  /** Only with --only NAME (it takes long). */
  optIn?: boolean;
}

// Enough runs that worker start-up and JIT warm-up do not dominate the 2-worker figure.
const BATCH_RUNS = 1200;
// Runs per point of the vector-count scaling (legacy, 1 worker).
const SCALE_RUNS = 100;
const SCALE_ROCE_VECTORS = [8, 16, 32, 64];

async function batchCase(
  workers: number,
  profiles: (typeof PROFILE_NAMES)[number][],
): Promise<Row> {
  const runs = profiles.length === 1 ? BATCH_RUNS : BATCH_RUNS / 2;
  const r = await batchThroughput("hns3-roce-load", profiles, runs, workers);
  const row: Row = {
    bench: profiles.length === 1 ? "batch" : "batch-all-profiles",
    preset: "hns3-roce-load",
    profiles: profiles.join(","),
    workers,
    runs: runs * profiles.length,
    runs_per_s: r.runs_per_s,
    events_per_s: r.events_per_s,
    events_per_run: r.events_per_run,
  };
  if (profiles.length > 1) row.projected_10000_runs_s = (10_000 * profiles.length) / r.runs_per_s;
  return row;
}

async function scaleCase(roceVectors: number): Promise<Row> {
  const r = await batchThroughput("hns3-roce-load", ["legacy"], SCALE_RUNS, 1, [
    `roce_vectors=${roceVectors}`,
  ]);
  return {
    bench: "scale",
    preset: "hns3-roce-load",
    profiles: "legacy",
    workers: 1,
    roce_vectors: roceVectors,
    runs: SCALE_RUNS,
    runs_per_s: r.runs_per_s,
    events_per_s: r.events_per_s,
    events_per_run: r.events_per_run,
  };
}

// Tiny runs (single-vector-window, ~190 events): what a run costs besides its events. Fresh
// workers run the issue's own measure, 200,000 runs (its baseline: 78 s on 2 workers); warm
// ones 20,000 runs after 20,000 more on the same pool.
const TINY_RUNS = 200_000;
const TINY_WARM_RUNS = 20_000;

/**
 * `warm`: a first batch of the same size runs before the measured one, on the same worker pool
 * (as the second and later points of an experiment, a fit or a sensitivity analysis find it):
 * the measured batch pays no process start-up and no JIT warm-up. Cold, a worker's first
 * thousand tiny runs cost three to four times its later ones.
 */
async function tinyCase(workers: number, warm = false): Promise<Row> {
  const runs = warm ? TINY_WARM_RUNS : TINY_RUNS;
  if (warm) await batchThroughput("single-vector-window", ["legacy"], runs, workers);
  const r = await batchThroughput("single-vector-window", ["legacy"], runs, workers);
  return {
    bench: warm ? "batch-tiny-warm" : "batch-tiny",
    preset: "single-vector-window",
    profiles: "legacy",
    workers,
    runs,
    runs_per_s: r.runs_per_s,
    events_per_s: r.events_per_s,
    events_per_run: r.events_per_run,
    // Wall time per run on one worker is the fixed cost (set-up, analysis, output) plus ~190
    // events; on W workers, W times the wall time per run.
    us_per_run: (workers * 1e6) / r.runs_per_s,
  };
}

// Memory of a batch against its run count: the same tiny scenario at 20,000 and 200,000 runs
// (issue 14: the peak must not grow with the runs), then merge and plot on 200,000.
const TINY_ARGS = ["--preset", "single-vector-window", "--profiles", "legacy", "--quiet"];
const MEMORY_RUNS = [20_000, 200_000];

async function inTempDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "msix-sim-bench-"));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function memoryBatchCase(runs: number, profiles = "legacy"): Promise<Row> {
  return inTempDir(async (dir) => {
    const args = [...TINY_ARGS, "--profiles", profiles, "--workers", "2", "--runs", String(runs)];
    const r = await measureCli(["batch", ...args, "--out", join(dir, "out")]);
    const n = profiles.split(",").length;
    return {
      bench: "memory",
      command: "batch",
      preset: "single-vector-window",
      profiles,
      workers: 2,
      runs,
      seconds: r.seconds,
      runs_per_s: (runs * n) / r.seconds,
      peak_rss_mb: r.peak_rss_mb,
    };
  });
}

/** Two shards of `runs` runs, their merge, and a plot of the merged folder. */
function mergePlotCase(runs: number): Promise<Row> {
  return inTempDir(async (dir) => {
    const shards = [1, 2].map((i) => join(dir, `shard${i}`));
    let shardPeak = 0;
    for (const [i, out] of shards.entries()) {
      const args = [
        ...TINY_ARGS,
        "--workers",
        "2",
        "--runs",
        String(runs),
        "--shard",
        `${i + 1}/2`,
      ];
      const r = await measureCli(["batch", ...args, "--out", out]);
      shardPeak = Math.max(shardPeak, r.peak_rss_mb);
    }
    const merged = join(dir, "merged");
    const m = await measureCli(["merge", ...shards, "--out", merged]);
    const p = await measureCli(["plot", merged, "--out", join(dir, "report")]);
    return {
      bench: "memory",
      command: "merge+plot",
      preset: "single-vector-window",
      profiles: "legacy",
      runs,
      shard_peak_rss_mb: shardPeak,
      merge_s: m.seconds,
      merge_peak_rss_mb: m.peak_rss_mb,
      plot_s: p.seconds,
      plot_peak_rss_mb: p.peak_rss_mb,
    };
  });
}

const HOLD_PENDING = [100, 10_000];

const CASES: Case[] = [
  ...HOLD_PENDING.map((p) => ({
    name: `hold:${p}`,
    run: (events: number) => ({ bench: "hold", pending: p, events_per_s: holdEngine(p, events) }),
  })),
  { name: "batch:legacy:1", run: () => batchCase(1, ["legacy"]) },
  { name: "batch:legacy:2", run: () => batchCase(2, ["legacy"]) },
  { name: "batch:all:2", run: () => batchCase(2, [...PROFILE_NAMES]) },
  { name: "tiny:1", run: () => tinyCase(1) },
  { name: "tiny:2", run: () => tinyCase(2) },
  { name: "tiny-warm:1", run: () => tinyCase(1, true) },
  { name: "tiny-warm:2", run: () => tinyCase(2, true) },
  ...SCALE_ROCE_VECTORS.map((n) => ({ name: `scale:${n}`, run: () => scaleCase(n) })),
  ...MEMORY_RUNS.map((n) => ({ name: `memory:batch:${n}`, run: () => memoryBatchCase(n) })),
  { name: "memory:merge-plot:200000", run: () => mergePlotCase(200_000) },
  // A million runs of two profiles (2,000,000 simulated runs): ~25 min on 2 cores.
  { name: "million", run: () => memoryBatchCase(1_000_000, "legacy,dyn"), optIn: true },
  ...HOLD_PENDING.map((p) => ({
    name: `hold-raw-fpq:${p}`,
    run: (events: number) => ({
      bench: "hold-raw-fpq",
      pending: p,
      events_per_s: holdRawQueue(p, events),
    }),
  })),
  ...HOLD_PENDING.flatMap((p) =>
    ([2, 4] as const).map((arity) => ({
      name: `hold-raw-typed-${arity}ary:${p}`,
      run: (events: number) => ({
        bench: arity === 2 ? "hold-raw-typed-fpq" : "hold-raw-typed-4ary",
        pending: p,
        events_per_s: holdRawTyped(p, events, arity),
      }),
    })),
  ),
];

function runCaseInChild(name: string, events: number): Row {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [self, "--case", name, "--events", String(events)], {
    encoding: "utf8",
  });
  return JSON.parse(out.trim()) as Row;
}

/** Builds the C++ reference; null when no compiler is present. */
function buildCpp(dir: string): string | null {
  const src = join(dirname(fileURLToPath(import.meta.url)), "../../src/bench/hold.cpp");
  const bin = join(dir, "hold");
  const cc = spawnSync("g++", ["-O2", "-o", bin, src], { encoding: "utf8" });
  return cc.status === 0 ? bin : null;
}

function runCpp(bin: string, events: number, pending: number): Row | null {
  try {
    const out = execFileSync(bin, [String(events), String(pending)], { encoding: "utf8" });
    return JSON.parse(out.trim()) as Row;
  } catch {
    return null;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** R rounds of (engine, C++) per P: medians, and the median of the per-round ratios. */
function holdRounds(
  pending: readonly number[],
  events: number,
  rounds: number,
  bin: string | null,
): Row[] {
  const rows: Row[] = [];
  for (const p of pending) {
    const engine: number[] = [];
    const cpp: number[] = [];
    const ratio: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const e = Number(runCaseInChild(`hold:${p}`, events).events_per_s);
      engine.push(e);
      const c = bin === null ? null : runCpp(bin, events, p);
      if (c !== null) {
        cpp.push(Number(c.events_per_s));
        ratio.push(e / Number(c.events_per_s));
      }
    }
    rows.push({
      bench: "hold",
      pending: p,
      rounds,
      events_per_s: median(engine),
      min_events_per_s: Math.min(...engine),
      max_events_per_s: Math.max(...engine),
    });
    if (cpp.length > 0) {
      rows.push({
        bench: "hold-cpp",
        pending: p,
        rounds: cpp.length,
        events_per_s: median(cpp),
        min_events_per_s: Math.min(...cpp),
        max_events_per_s: Math.max(...cpp),
      });
      rows.push({
        bench: "hold-engine/cpp",
        pending: p,
        rounds: ratio.length,
        ratio: median(ratio),
        min_ratio: Math.min(...ratio),
        max_ratio: Math.max(...ratio),
      });
    }
  }
  return rows;
}

/** Ratios to 3 decimals, small rates (runs/s) to 1, the rest (events/s, counts) to integers. */
function round(row: Row): Row {
  const r: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v !== "number") r[k] = v;
    else if (k.includes("ratio")) r[k] = Math.round(v * 1000) / 1000;
    else if (Math.abs(v) < 1000) r[k] = Math.round(v * 10) / 10;
    else r[k] = Math.round(v);
  }
  return r;
}

function mega(x: string | number | undefined): string {
  return `${(Number(x) / 1e6).toFixed(2)}M`;
}

function print(rows: Row[]): void {
  for (const r of rows) {
    const bench = String(r.bench);
    if (bench === "hold-engine/cpp") {
      process.stdout.write(
        `engine / C++ std::priority_queue at P=${r.pending}: ${Number(r.ratio).toFixed(2)}x (median of ${r.rounds} paired rounds; ${Number(r.min_ratio).toFixed(2)}-${Number(r.max_ratio).toFixed(2)})\n`,
      );
    } else if (bench === "memory" && r.command === "batch") {
      process.stdout.write(
        `${"memory".padEnd(19)} batch ${String(r.preset)} ${r.profiles} x ${Number(r.runs).toLocaleString("en-US")} runs, ${r.workers} workers: peak ${Number(r.peak_rss_mb).toFixed(0)} MB resident (batch + workers), ${Number(r.seconds).toFixed(1)} s, ${Number(r.runs_per_s).toFixed(0)} runs/s\n`,
      );
    } else if (bench === "memory") {
      process.stdout.write(
        `${"memory".padEnd(19)} 2 shards of ${(Number(r.runs) / 2).toLocaleString("en-US")} runs: shard peak ${Number(r.shard_peak_rss_mb).toFixed(0)} MB; merge ${Number(r.merge_s).toFixed(1)} s, peak ${Number(r.merge_peak_rss_mb).toFixed(0)} MB; plot ${Number(r.plot_s).toFixed(1)} s, peak ${Number(r.plot_peak_rss_mb).toFixed(0)} MB\n`,
      );
    } else if (bench === "batch-tiny" || bench === "batch-tiny-warm") {
      process.stdout.write(
        `${bench.padEnd(19)} ${`${String(r.preset)} x ${Number(r.runs).toLocaleString("en-US")}`.padEnd(36)} workers=${r.workers} ${Number(r.runs_per_s).toFixed(1)} runs/s, ${Math.round(Number(r.events_per_run))} events/run, ${Number(r.us_per_run).toFixed(0)} us of CPU per run\n`,
      );
    } else if (bench.startsWith("batch") || bench === "scale") {
      const what = bench === "scale" ? `roce_vectors=${r.roce_vectors}` : String(r.profiles);
      process.stdout.write(
        `${bench.padEnd(19)} ${what.padEnd(36)} workers=${r.workers} ${Number(r.runs_per_s).toFixed(1)} runs/s, ${mega(r.events_per_s)} events/s, ${Math.round(Number(r.events_per_run))} events/run${r.projected_10000_runs_s !== undefined ? `, 10,000 runs x 4 profiles: ~${Number(r.projected_10000_runs_s).toFixed(0)} s` : ""}\n`,
      );
    } else {
      const spread =
        r.rounds !== undefined
          ? ` (median of ${r.rounds}; ${mega(r.min_events_per_s)}-${mega(r.max_events_per_s)})`
          : "";
      process.stdout.write(
        `${bench.padEnd(19)} P=${String(r.pending).padEnd(6)} ${mega(r.events_per_s)} events/s${spread}\n`,
      );
    }
  }
  const b1 = rows.find((r) => r.bench === "batch" && r.workers === 1);
  const b2 = rows.find((r) => r.bench === "batch" && r.workers === 2);
  if (b1 && b2) {
    process.stdout.write(
      `batch speed-up, 2 workers / 1: ${(Number(b2.runs_per_s) / Number(b1.runs_per_s)).toFixed(2)}x\n`,
    );
  }
  const t1 = rows.find((r) => r.bench === "batch-tiny-warm" && r.workers === 1);
  if (b1 && t1) process.stdout.write(`${fixedCost(t1, b1)}\n`);
}

/**
 * A tiny run's cost split into its events, at what an event costs in a long run (the legacy
 * batch on one worker: ~31,000 events a run, so its per-run set-up is negligible there), and
 * the rest: the fixed cost of a run (model set-up, analysis, output).
 */
function fixedCost(tiny: Row, long: Row): string {
  const perEvent = 1e6 / Number(long.events_per_s);
  const events = Number(tiny.events_per_run);
  const perRun = Number(tiny.us_per_run);
  const fixed = perRun - events * perEvent;
  return `tiny run on one warm worker: ${perRun.toFixed(0)} us = ${Math.round(events)} events x ${perEvent.toFixed(2)} us (an event of the legacy batch) + ${fixed.toFixed(0)} us fixed cost (set-up, analysis, output)`;
}

async function main(): Promise<void> {
  // As the CLI does: the batch cases with one worker run in this process.
  applyRunHeapFlags();
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      case: { type: "string" },
      events: { type: "string", default: "10000000" },
      rounds: { type: "string", default: "3" },
      only: { type: "string" },
    },
  });
  const events = Number(values.events);
  if (!Number.isSafeInteger(events) || events <= 0) {
    throw new Error(`--events: must be a positive integer, got ${values.events}`);
  }
  const rounds = Number(values.rounds);
  if (!Number.isSafeInteger(rounds) || rounds <= 0) {
    throw new Error(`--rounds: must be a positive integer, got ${values.rounds}`);
  }
  if (values.case !== undefined) {
    const c = CASES.find((x) => x.name === values.case);
    if (c === undefined) throw new Error(`--case: unknown case ${values.case}`);
    process.stdout.write(`${JSON.stringify(round(await c.run(events)))}\n`);
    return;
  }
  // Comma-separated; a case's full name runs that case alone, anything else is a prefix
  // ("batch", "memory"): --only batch:legacy:1,tiny-warm:1.
  const only = values.only?.split(",");
  const matches = (o: string, name: string): boolean =>
    CASES.some((c) => c.name === o) ? name === o : name.startsWith(o);
  const wanted = (name: string): boolean =>
    only === undefined || only.some((o) => matches(o, name));
  const unknown = only?.find((o) => !CASES.some((c) => matches(o, c.name)));
  if (unknown !== undefined) {
    process.stderr.write(
      `bench: --only: "${unknown}" names no case (cases: ${CASES.map((c) => c.name).join(", ")})\n`,
    );
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "msix-sim-bench-"));
  const rows: Row[] = [];
  try {
    // The hold cases run in paired rounds with the C++ loop, not one by one.
    const hold = HOLD_PENDING.filter((p) => wanted(`hold:${p}`));
    if (hold.length > 0) rows.push(...holdRounds(hold, events, rounds, buildCpp(dir)));
    for (const c of CASES) {
      if (c.name.startsWith("hold:") || !wanted(c.name)) continue;
      if (c.optIn && !only?.includes(c.name)) continue;
      rows.push(runCaseInChild(c.name, events));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out = rows.map(round);
  if (values.json) {
    for (const r of out) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  print(out);
}

void main();
