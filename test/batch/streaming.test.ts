import { spawn } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES, METRICS } from "../../src/analysis/metrics.js";
import { RUN_COLUMNS } from "../../src/analysis/run-row.js";
import { SummaryAccumulator } from "../../src/batch/accumulator.js";
import { CYCLE_COLUMNS, executeRun, WINDOW_COLUMNS } from "../../src/batch/execute.js";
import { PAIRED_COLUMNS, SUMMARY_COLUMNS, summaryInputOf } from "../../src/batch/summary.js";
import { OUTCOMES } from "../../src/guest/outcome.js";
import { writeCsvAtomic } from "../../src/io/files.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario } from "../../src/scenario/runner.js";
import { CLI, cli, tempDir } from "../cli/helpers.js";
import { metricHalfwidth, pairedSummary, summarize } from "./reference-summary.js";

const FILES = ["runs.csv", "windows.csv", "cycles.csv", "summary.csv", "paired.csv"];
const read = (dir: string, f: string) => readFileSync(join(dir, f), "utf8");

const PROFILES = ["legacy", "noresize", "dyn"];
const input = (profile: string) =>
  fc.record({
    profile: fc.constant(profile),
    linkFailed: fc.integer({ min: 0, max: 1 }),
    dropped: fc.nat(20),
    dropWindowTotal: fc.oneof(fc.constant(0), fc.nat(5_000_000)),
    resizeCycles: fc.nat(50),
    resetAttempts: fc.nat(6),
    portResets: fc.nat(3),
    outcome: fc.constantFrom(...OUTCOMES),
    pLossConditional: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  });

describe("streamed batch summaries", () => {
  it("the accumulator's summaries equal those computed from every row in memory", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 3 })
          .chain((k) =>
            fc.array(fc.tuple(...PROFILES.slice(0, k).map(input)), { minLength: 0, maxLength: 60 }),
          ),
        fc.constantFrom(...METRIC_NAMES),
        (runs, metricName) => {
          const profiles = PROFILES.slice(0, runs[0]?.length ?? 1);
          const metric = METRICS[metricName];
          const acc = new SummaryAccumulator(profiles);
          const rows = runs.flatMap((r, run) => r.map((x) => ({ ...x, run })));
          for (const [run, r] of runs.entries()) acc.addRun(r.map((x) => ({ ...x, run })));
          expect(acc.summary(metric)).toEqual(summarize(rows, profiles, metric));
          expect(acc.paired()).toEqual(pairedSummary(rows, profiles));
          // Any prefix: the stopping rule of a resumed batch reads boundaries below its runs.
          const n = Math.floor(runs.length / 2);
          for (const [p, h] of acc.halfwidths(metric, n)) {
            const prefix = rows.filter((x) => x.profile === p && x.run < n);
            expect(h).toBe(metricHalfwidth(metric, prefix));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a streamed batch writes the files the in-memory path wrote, for any worker count", async () => {
    const source = {
      preset: "hns3-guest-flr",
      params: ["nic_vectors=5", "roce_vectors=8", "traffic_after=200ms"],
      sets: ["duration=6s"],
    };
    const profiles = ["legacy", "noresize", "dyn", "dyn-small-itt"] as const;
    const runs = 6;
    // The in-memory path as it was: every run's rows held, then each file written by
    // csv-stringify, the summaries from all rows.
    const ref = tempDir("msix-sim-inmem-");
    const prep = prepareScenario(resolveScenario(source).scenario);
    const outs = Array.from({ length: runs }, (_, r) =>
      executeRun(prep, profiles, r, 1 + r, r < 4),
    );
    const rows = outs.flatMap((o) => o.rows);
    await writeCsvAtomic(join(ref, "runs.csv"), RUN_COLUMNS, rows);
    await writeCsvAtomic(
      join(ref, "windows.csv"),
      WINDOW_COLUMNS,
      outs.flatMap((o) => o.windows),
    );
    await writeCsvAtomic(
      join(ref, "cycles.csv"),
      CYCLE_COLUMNS,
      outs.flatMap((o) => o.cycles),
    );
    const inputs = rows.map(summaryInputOf);
    await writeCsvAtomic(join(ref, "summary.csv"), SUMMARY_COLUMNS, summarize(inputs, profiles));
    await writeCsvAtomic(join(ref, "paired.csv"), PAIRED_COLUMNS, pairedSummary(inputs, profiles));

    for (const workers of ["1", "2"]) {
      const out = join(tempDir("msix-sim-stream-"), "out");
      const r = cli([
        "batch",
        "--preset",
        source.preset,
        ...source.params.flatMap((p) => ["--param", p]),
        ...source.sets.flatMap((p) => ["--set", p]),
        "--runs",
        String(runs),
        "--window-runs",
        "4",
        "--workers",
        workers,
        "--out",
        out,
        "--quiet",
      ]);
      expect(r.status, r.stderr).toBe(0);
      for (const f of FILES) expect(read(out, f), `${f}, ${workers} workers`).toBe(read(ref, f));
    }
  });
});

describe("a streamed batch's checkpoint", () => {
  const root = tempDir("msix-sim-kill-");
  const args = (out: string, extra: string[] = []) => [
    "batch",
    "--preset",
    "single-vector-window",
    "--profiles",
    "legacy,noresize",
    "--runs",
    "3000",
    "--window-runs",
    "all",
    "--out",
    out,
    "--quiet",
    ...extra,
  ];
  const whole = join(root, "whole");

  it("a batch killed mid-stream (SIGKILL) and resumed writes the same files", async () => {
    expect(cli(args(whole)).status).toBe(0);
    const dir = join(root, "killed");
    const child = spawn(process.execPath, [CLI, ...args(dir, ["--workers", "2"])]);
    const index = join(dir, ".msix-sim-partial", "runs.jsonl");
    const exited = new Promise<void>((r) => child.on("exit", () => r()));
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (existsSync(index) && readFileSync(index, "utf8").split("\n").length > 4) {
          clearInterval(t);
          child.kill("SIGKILL");
          resolve();
        }
      }, 2);
      child.on("exit", () => {
        clearInterval(t);
        reject(new Error("the batch ended before it could be killed"));
      });
    });
    await exited;
    const partial = join(dir, ".msix-sim-partial");
    for (const f of FILES) expect(existsSync(join(dir, f)), f).toBe(false);
    // A kill in the middle of a block: bytes beyond the last index, and a torn index line.
    appendFileSync(join(partial, "runs.csv"), "2999,3000,leg");
    appendFileSync(join(partial, "windows.csv"), "17,");
    appendFileSync(index, '{"next": 29');
    const r = cli([...args(dir, ["--resume", "--workers", "1"])]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(whole, f));
    expect(existsSync(partial)).toBe(false);
  });

  it("a batch killed between its final renames resumes to whole files", async () => {
    // The state such a kill leaves: every run in the checkpoint, runs.csv and summary.csv
    // already moved into place, windows.csv and cycles.csv not yet. A batch of the same plan
    // is stopped early for its checkpoint identity; then its files are made those of the end.
    const dir = join(root, "renames");
    const partial = join(dir, ".msix-sim-partial");
    const child = spawn(process.execPath, [CLI, ...args(dir, ["--workers", "1"])]);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (existsSync(join(partial, "runs.jsonl"))) {
          clearInterval(t);
          child.kill("SIGTERM");
          resolve();
        }
      }, 2);
    });
    expect(await exited).toBe(130);
    for (const f of ["runs.csv", "windows.csv", "cycles.csv"]) {
      copyFileSync(join(whole, f), join(partial, f));
    }
    const bytes = ["runs.csv", "windows.csv", "cycles.csv"].map(
      (f) => statSync(join(whole, f)).size,
    );
    // An index that claims more than the files hold is a damaged checkpoint: refused, exit 2.
    const more = bytes.map((b) => b + 10);
    writeFileSync(join(partial, "runs.jsonl"), `${JSON.stringify({ next: 3000, bytes: more })}\n`);
    const damaged = cli(args(dir, ["--resume"]));
    expect(damaged.stderr).toMatch(
      /checkpoint .* is damaged \(runs\.csv is shorter than its index says\); use --force/,
    );
    expect(damaged.status).toBe(2);
    // An index whose run count runs.csv does not hold (rows lost, the lengths made to match).
    const half = `${read(whole, "runs.csv")
      .split("\n")
      .slice(0, 1 + 1500 * 2)
      .join("\n")}\n`;
    writeFileSync(join(partial, "runs.csv"), half);
    const cut = [Buffer.byteLength(half), bytes[1], bytes[2]];
    writeFileSync(join(partial, "runs.jsonl"), `${JSON.stringify({ next: 3000, bytes: cut })}\n`);
    const lost = cli(args(dir, ["--resume"]));
    expect(lost.stderr).toMatch(/damaged \(its index says 3000 runs, runs\.csv holds 1500\)/);
    expect(lost.status).toBe(2);
    copyFileSync(join(whole, "runs.csv"), join(partial, "runs.csv"));
    writeFileSync(join(partial, "runs.jsonl"), `${JSON.stringify({ next: 3000, bytes })}\n`);
    renameSync(join(partial, "runs.csv"), join(dir, "runs.csv"));
    copyFileSync(join(whole, "summary.csv"), join(dir, "summary.csv"));
    const r = cli(args(dir, ["--resume"]));
    expect(r.status, r.stderr).toBe(0);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(whole, f));
    expect(existsSync(partial)).toBe(false);
  });
});
