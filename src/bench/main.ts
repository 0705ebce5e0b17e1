import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PROFILE_NAMES } from "../model/profiles.js";
import { batchThroughput } from "./batch.js";
import { holdEngine, holdRawQueue } from "./hold.js";

/**
 * `npm run bench [-- --json] [-- --events N]`. Each case runs in its own process so that one
 * case's type feedback (a different comparator, a different handler) cannot slow another.
 */
type Row = Record<string, string | number>;

interface Case {
  name: string;
  run(events: number): Row | Promise<Row>;
}

// Enough runs that worker start-up and JIT warm-up do not dominate the 2-worker figure.
const BATCH_RUNS = 600;

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
  };
  if (profiles.length > 1) row.projected_10000_runs_s = (10_000 * profiles.length) / r.runs_per_s;
  return row;
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
  ...HOLD_PENDING.map((p) => ({
    name: `hold-raw-fpq:${p}`,
    run: (events: number) => ({
      bench: "hold-raw-fpq",
      pending: p,
      events_per_s: holdRawQueue(p, events),
    }),
  })),
];

function runCaseInChild(name: string, events: number): Row {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [self, "--case", name, "--events", String(events)], {
    encoding: "utf8",
  });
  return JSON.parse(out.trim()) as Row;
}

/** The C++ reference, when a compiler is present; otherwise nothing. */
function runCpp(events: number): Row[] {
  const src = join(dirname(fileURLToPath(import.meta.url)), "../../src/bench/hold.cpp");
  const dir = mkdtempSync(join(tmpdir(), "msix-sim-bench-"));
  try {
    const bin = join(dir, "hold");
    const cc = spawnSync("g++", ["-O2", "-o", bin, src], { encoding: "utf8" });
    if (cc.status !== 0) return [];
    const out = execFileSync(bin, [String(events)], { encoding: "utf8" });
    return out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Row);
  } catch {
    return [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(row: Row): Row {
  const r: Row = {};
  for (const [k, v] of Object.entries(row)) r[k] = typeof v === "number" ? Math.round(v) : v;
  return r;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      case: { type: "string" },
      events: { type: "string", default: "10000000" },
    },
  });
  const events = Number(values.events);
  if (!Number.isSafeInteger(events) || events <= 0) {
    throw new Error(`--events: must be a positive integer, got ${values.events}`);
  }
  if (values.case !== undefined) {
    const c = CASES.find((x) => x.name === values.case);
    if (c === undefined) throw new Error(`--case: unknown case ${values.case}`);
    process.stdout.write(`${JSON.stringify(round(await c.run(events)))}\n`);
    return;
  }
  const rows: Row[] = CASES.map((c) => runCaseInChild(c.name, events));
  rows.push(...runCpp(events).map(round));
  if (values.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  for (const r of rows) {
    const rate = Number(r.events_per_s);
    if (String(r.bench).startsWith("batch")) {
      process.stdout.write(
        `${String(r.bench).padEnd(18)} ${String(r.profiles).padEnd(36)} workers=${r.workers} ${Number(r.runs_per_s).toFixed(1)} runs/s, ${(rate / 1e6).toFixed(2)}M events/s${r.projected_10000_runs_s !== undefined ? `, 10,000 runs x 4 profiles: ~${Number(r.projected_10000_runs_s).toFixed(0)} s` : ""}\n`,
      );
      continue;
    }
    process.stdout.write(
      `${String(r.bench).padEnd(18)} P=${String(r.pending).padEnd(6)} ${(rate / 1e6).toFixed(2)}M events/s\n`,
    );
  }
  const b1 = rows.find((r) => r.bench === "batch" && r.workers === 1);
  const b2 = rows.find((r) => r.bench === "batch" && r.workers === 2);
  if (b1 && b2) {
    process.stdout.write(
      `batch speed-up, 2 workers / 1: ${(Number(b2.runs_per_s) / Number(b1.runs_per_s)).toFixed(2)}x\n`,
    );
  }
  for (const p of HOLD_PENDING) {
    const engine = rows.find((r) => r.bench === "hold" && r.pending === p);
    const cpp = rows.find((r) => r.bench === "hold-cpp" && r.pending === p);
    if (engine && cpp) {
      const ratio = Number(engine.events_per_s) / Number(cpp.events_per_s);
      process.stdout.write(`engine / C++ std::priority_queue at P=${p}: ${ratio.toFixed(2)}x\n`);
    }
  }
}

void main();
