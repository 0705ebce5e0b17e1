import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_COLUMNS } from "../../src/analysis/run-row.js";
import { CLI, cli, tempDir } from "../cli/helpers.js";

const FILES = ["runs.csv", "windows.csv", "cycles.csv", "summary.csv", "paired.csv"];

function read(dir: string, f: string): string {
  return readFileSync(join(dir, f), "utf8");
}

function manifestWithoutTimes(dir: string): unknown {
  const m = JSON.parse(read(dir, "manifest.json"));
  delete m.started_at;
  delete m.finished_at;
  delete m.command_line;
  return m;
}

// A small VF (4 + 8 vectors) keeps each run's resize cycles few: the tests are about files.
const FLR = [
  "--preset",
  "hns3-guest-flr",
  "--param",
  "nic_vectors=5",
  "--param",
  "roce_vectors=8",
  "--param",
  "traffic_after=200ms",
  "--set",
  "duration=6s",
];

describe("msix-sim batch", () => {
  const root = tempDir("msix-sim-batch-");

  it("writes the same files whatever the worker count", () => {
    const a = join(root, "w1");
    const b = join(root, "w2");
    expect(
      cli(["batch", ...FLR, "--runs", "8", "--workers", "1", "--out", a, "--quiet"]).status,
    ).toBe(0);
    expect(
      cli(["batch", ...FLR, "--runs", "8", "--workers", "2", "--out", b, "--quiet"]).status,
    ).toBe(0);
    for (const f of FILES) expect(read(b, f), f).toBe(read(a, f));
    expect(manifestWithoutTimes(b)).toEqual(manifestWithoutTimes(a));
    expect(readdirSync(a).sort()).toEqual([...FILES, "manifest.json"].sort());
  });

  it("shards merge into files byte-identical to the unsharded batch", () => {
    const whole = join(root, "w1");
    const shards = [1, 2, 3].map((i) => join(root, `shard${i}`));
    shards.forEach((dir, i) => {
      const r = cli([
        "batch",
        ...FLR,
        "--runs",
        "8",
        "--shard",
        `${i + 1}/3`,
        "--workers",
        "1",
        "--out",
        dir,
        "--quiet",
      ]);
      expect(r.status, r.stderr).toBe(0);
    });
    const runsIn = (dir: string) => read(dir, "runs.csv").trim().split("\n").length - 1;
    expect(shards.map(runsIn)).toEqual([2 * 4, 3 * 4, 3 * 4]);
    const merged = join(root, "merged");
    const m = cli(["merge", ...[...shards].reverse(), "--out", merged]);
    expect(m.status, m.stderr).toBe(0);
    for (const f of FILES) expect(read(merged, f), f).toBe(read(whole, f));
    const incomplete = cli(["merge", shards[0]!, shards[2]!, "--out", join(root, "bad-merge")]);
    expect(incomplete.status).toBe(2);
    expect(incomplete.stderr).toMatch(/runs 2\.\.4 are missing/);
  });

  it("has the required columns, in order, with 0/1 booleans and empty absent times", () => {
    const dir = join(root, "w1");
    const lines = read(dir, "runs.csv").trim().split("\n");
    const header = lines[0]!.split(",");
    expect(header).toEqual([...RUN_COLUMNS]);
    expect(header.slice(0, 9)).toEqual([
      "run",
      "seed",
      "profile",
      "resize_cycles",
      "irq_generated",
      "irq_delivered",
      "irq_coalesced",
      "irq_pending_end",
      "irq_dropped",
    ]);
    const idx = (c: string) => header.indexOf(c);
    expect(header.slice(idx("drop_windows"), idx("fingerprint") + 1)).toEqual([
      "drop_windows",
      "drop_window_total_ns",
      "drop_window_max_ns",
      "its_mapd",
      "its_mapti",
      "its_discard",
      "its_sync",
      "its_timeouts",
      "link_up_ns",
      "reset_attempts",
      "link_failed",
      "events",
      "fingerprint",
    ]);
    expect(
      header
        .slice(idx("irq_dropped") + 1, idx("drop_windows"))
        .every((c) => c.startsWith("dropped_")),
    ).toBe(true);
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows.length).toBe(8 * 4);
    expect(rows.map((r) => r[2])).toEqual(
      Array(8).fill(["legacy", "noresize", "dyn", "dyn-small-itt"]).flat(),
    );
    for (const r of rows) {
      expect(["0", "1"]).toContain(r[idx("link_failed")]);
      expect(r[idx("seed")]).toBe(String(1 + Number(r[0])));
      if (r[idx("link_failed")] === "1") expect(r[idx("link_up_ns")]).toBe("");
    }
    expect(read(dir, "windows.csv").split("\n")[0]).toBe(
      "run,seed,profile,vector,start_ns,end_ns,cause",
    );
    const summary = read(dir, "summary.csv").trim().split("\n");
    expect(summary.length).toBe(5);
    expect(summary[0]).toMatch(
      /^profile,runs,link_failures,failure_rate,failure_ci95_low,failure_ci95_high,failure_upper95_exact,/,
    );
    expect(read(dir, "paired.csv").trim().split("\n").length).toBe(1 + 6);
  });

  it("an interrupted batch leaves no CSV, and --resume gives the files of an uninterrupted one", async () => {
    const whole = join(root, "w1");
    const dir = join(root, "interrupted");
    const child = spawn(process.execPath, [
      CLI,
      "batch",
      ...FLR,
      "--runs",
      "8",
      "--workers",
      "1",
      "--out",
      dir,
      "--quiet",
    ]);
    const log = join(dir, ".msix-sim-partial", "runs.jsonl");
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (existsSync(log) && readFileSync(log, "utf8").split("\n").length >= 3) {
          clearInterval(t);
          child.kill("SIGINT");
          resolve();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(t);
        reject(new Error("the batch ended before it could be interrupted"));
      });
    });
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(130);
    for (const f of FILES) expect(existsSync(join(dir, f)), f).toBe(false);
    // A hard kill can cut the last line short: resume must survive it.
    writeFileSync(log, `${readFileSync(log, "utf8")}{"run": 7, "rows": [`);
    const r = cli([
      "batch",
      ...FLR,
      "--runs",
      "8",
      "--workers",
      "2",
      "--out",
      dir,
      "--quiet",
      "--resume",
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(whole, f));
    expect(existsSync(join(dir, ".msix-sim-partial"))).toBe(false);
  });

  it("rejects bad arguments with a clear message and exit code 2", () => {
    const used = join(root, "w1");
    const cases: Array<[string[], RegExp]> = [
      [["batch", "--runs", "0", "--out", join(root, "x")], /--runs: must be a whole number >= 1/],
      [["batch", "--out", join(root, "x")], /--runs: required/],
      [["batch", "--runs", "2"], /--out: required/],
      [
        ["batch", "--runs", "2", "--shard", "5/4", "--out", join(root, "x")],
        /--shard 5\/4: i must be between 1 and 4/,
      ],
      [
        ["batch", "--runs", "2", "--shard", "two", "--out", join(root, "x")],
        /--shard: expected i\/N/,
      ],
      [
        ["batch", "--runs", "2", "--profiles", "legacy,fast", "--out", join(root, "x")],
        /--profiles: unknown profile "fast"/,
      ],
      [
        ["batch", "--runs", "2", "--workers", "0", "--out", join(root, "x")],
        /--workers: must be a whole number >= 1/,
      ],
      [
        ["batch", ...FLR, "--runs", "2", "--out", used],
        /folder is not empty; use --resume to continue a batch or --force to overwrite/,
      ],
      [
        ["batch", ...FLR, "--runs", "2", "--out", used, "--resume"],
        /holds a finished batch; nothing to resume/,
      ],
      [
        ["batch", "--runs", "2", "--out", join(root, "x"), "--resume", "--force"],
        /give one of them, not both/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(re);
    }
    expect(existsSync(join(root, "x"))).toBe(false);
  });

  it("--force overwrites, --resume refuses a batch started differently", () => {
    const dir = join(root, "w1");
    const r = cli([
      "batch",
      ...FLR,
      "--runs",
      "8",
      "--workers",
      "2",
      "--out",
      dir,
      "--quiet",
      "--force",
    ]);
    expect(r.status).toBe(0);
    expect(read(dir, "runs.csv").trim().split("\n").length).toBe(1 + 8 * 4);
    const p = join(root, "p");
    mkdirSync(join(p, ".msix-sim-partial"), { recursive: true });
    writeFileSync(join(p, ".msix-sim-partial", "plan.json"), "{}");
    writeFileSync(join(p, ".msix-sim-partial", "runs.jsonl"), "");
    const other = cli(["batch", ...FLR, "--runs", "3", "--out", p, "--quiet", "--resume"]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(
      /--resume: the batch in .* was started with another scenario, run count, seed, profiles or shard/,
    );
  });
});

describe("msix-sim experiment", () => {
  it("runs every grid point and writes a combined summary with the grid columns", () => {
    const dir = tempDir("msix-sim-exp-");
    const file = join(dir, "tiny.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "tiny",
        description: "two windows",
        preset: "single-vector-window",
        params: { rate: 20000 },
        grid: { window: ["20us", "80us"] },
        profiles: ["legacy", "dyn"],
        runs: 30,
        check: "closed-form",
      }),
    );
    const out = join(dir, "results");
    const r = cli(["experiment", file, "--out", out, "--quiet", "--workers", "1"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = read(out, "summary.csv").trim().split("\n");
    expect(lines[0]).toMatch(/^window,profile,runs,/);
    expect(lines[0]).toMatch(/expected_drop_rate,expected_mean_drops,expected_within_ci95$/);
    expect(lines.length).toBe(1 + 2 * 2);
    expect(lines[1]).toMatch(/^20us,legacy,30,/);
    expect(readdirSync(out).filter((f) => f.startsWith("p0")).length).toBe(2);
    expect(read(out, "README.md")).toContain("msix-sim experiment");
    // A second invocation keeps the finished points and writes the same summary.
    const again = cli(["experiment", file, "--out", out, "--quiet", "--workers", "1"]);
    expect(again.status).toBe(0);
    expect(read(out, "summary.csv")).toBe(`${lines.join("\n")}\n`);
  });
});

describe("msix-sim experiment without a grid", () => {
  it("is one batch written straight into the results folder, and plots as one", () => {
    const dir = tempDir("msix-sim-exp1-");
    const file = join(dir, "one.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "one",
        preset: "single-vector-window",
        profiles: ["legacy", "dyn"],
        runs: 10,
      }),
    );
    const out = join(dir, "results");
    const r = cli(["experiment", file, "--out", out, "--quiet", "--workers", "1"]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["runs.csv", "summary.csv", "manifest.json", "README.md"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(read(out, "README.md")).toContain("msix-sim plot");
    const p = cli(["plot", out, "--quiet"]);
    expect(p.status, p.stderr).toBe(0);
    expect(existsSync(join(out, "index.html"))).toBe(true);
  });
});
