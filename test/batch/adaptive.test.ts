import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../src/analysis/metrics.js";
import { boundaries, nextBoundary } from "../../src/batch/adaptive.js";
import { runBatch } from "../../src/batch/batch.js";
import { cli, cliHere, tempDir } from "../cli/helpers.js";

const FILES = ["runs.csv", "windows.csv", "cycles.csv", "summary.csv", "paired.csv"];

const read = (dir: string, f: string) => readFileSync(join(dir, f), "utf8");

function manifest(dir: string): Record<string, unknown> {
  const m = JSON.parse(read(dir, "manifest.json"));
  delete m.started_at;
  delete m.finished_at;
  delete m.command_line;
  return m;
}

function summary(dir: string): Array<Record<string, string>> {
  const [head, ...rows] = read(dir, "summary.csv").trim().split("\n");
  const cols = head!.split(",");
  return rows.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i]!, v])));
}

// single-vector-window loses an interrupt in ~63% of legacy runs and never under dyn: the
// Wilson half-width of the loss rate reaches 0.06 between 200 and 300 runs.
const SVW = ["--preset", "single-vector-window", "--profiles", "legacy,dyn", "--metric", "drops"];
const TARGET = "0.06";

describe("batch --target-halfwidth", () => {
  const root = tempDir("msix-sim-adaptive-");

  it("has a fixed chunk schedule: 100 runs, then half the runs so far in multiples of 100", () => {
    expect(boundaries(1000)).toEqual([100, 200, 300, 500, 800, 1000]);
    expect(boundaries(150)).toEqual([100, 150]);
    expect(nextBoundary(800, 100_000)).toBe(1200);
    expect(boundaries(1_000_000).length).toBeLessThan(40);
  });

  it("stops at the first boundary where every profile is within H, with the same files for 1 and 2 workers", () => {
    const a = join(root, "w1");
    const b = join(root, "w2");
    for (const [dir, k] of [
      [a, "1"],
      [b, "2"],
    ] as const) {
      const r = cli([
        "batch",
        ...SVW,
        "--target-halfwidth",
        TARGET,
        "--workers",
        k,
        "--out",
        dir,
        "--quiet",
      ]);
      expect(r.status, r.stderr).toBe(0);
    }
    for (const f of FILES) expect(read(b, f), f).toBe(read(a, f));
    expect(manifest(b)).toEqual(manifest(a));
    expect(readdirSync(a).sort()).toEqual([...FILES, "manifest.json"].sort());

    const m = manifest(a);
    const tp = m.target_precision as Record<string, unknown>;
    expect(tp.stop_reason).toBe("target reached");
    expect(tp.runs).toBe(300);
    expect(m.runs).toBe(300);
    expect(tp.boundaries_passed).toEqual([100, 200, 300]);
    const s = summary(a);
    expect(s.map((x) => x.runs)).toEqual(["300", "300"]);
    for (const row of s) {
      expect(row.halfwidth_metric).toBe("drops");
      expect(Number(row.halfwidth)).toBeLessThanOrEqual(Number(TARGET));
      expect(Number(row.halfwidth)).toBe((tp.halfwidths as Record<string, number>)[row.profile!]);
      // The half-width is the one of the Wilson interval written beside it.
      expect(Number(row.halfwidth)).toBeCloseTo(
        (Number(row.drop_rate_ci95_high) - Number(row.drop_rate_ci95_low)) / 2,
        7,
      );
    }
    // At the boundary before, legacy was not there yet: the batch did not stop early.
    expect(read(a, "runs.csv").trim().split("\n").length).toBe(1 + 300 * 2);
  });

  it("stops at --max-runs when the target is out of reach, and says so", () => {
    const dir = join(root, "max");
    const r = cli([
      "batch",
      ...SVW,
      "--target-halfwidth",
      "0.01",
      "--max-runs",
      "150",
      "--workers",
      "2",
      "--out",
      dir,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stopped after 150 runs \(max runs\)/);
    const tp = manifest(dir).target_precision as Record<string, unknown>;
    expect(tp.stop_reason).toBe("max runs");
    expect(tp.runs).toBe(150);
    const legacy = summary(dir)[0]!;
    expect(legacy.runs).toBe("150");
    expect(Number(legacy.halfwidth)).toBeGreaterThan(0.01);
  });

  it("an interrupted batch (mid-chunk or at a boundary) resumes to the files of an uninterrupted one", async () => {
    const whole = join(root, "w1");
    for (const stopAt of [250, 200]) {
      const dir = join(root, `interrupted-${stopAt}`);
      const abort = { aborted: false };
      const res = await runBatch({
        source: { preset: "single-vector-window", params: [], sets: [] },
        runs: 100_000,
        adaptive: { target: Number(TARGET), maxRuns: 100_000, metric: METRICS.drops },
        profiles: ["legacy", "dyn"],
        workers: 1,
        shard: { index: 1, count: 1 },
        out: dir,
        windowRuns: 100,
        resume: false,
        force: false,
        commandLine: [],
        abort,
        progress: (done) => {
          if (done >= stopAt) abort.aborted = true;
        },
      });
      expect(res.status).toBe("aborted");
      expect(res.done).toBe(stopAt);
      for (const f of FILES) expect(existsSync(join(dir, f)), f).toBe(false);
      const r = cli([
        "batch",
        ...SVW,
        "--target-halfwidth",
        TARGET,
        "--workers",
        "2",
        "--out",
        dir,
        "--quiet",
        "--resume",
      ]);
      expect(r.status, r.stderr).toBe(0);
      for (const f of FILES) expect(read(dir, f), `${stopAt}: ${f}`).toBe(read(whole, f));
      expect(manifest(dir)).toEqual(manifest(whole));
      expect(existsSync(join(dir, ".msix-sim-partial"))).toBe(false);
    }
  });

  it("rejects bad input with a message naming the option and exit code 2, before anything is written", async () => {
    const out = join(root, "bad");
    const cases: Array<[string[], RegExp]> = [
      [["--runs", "100", "--target-halfwidth", "0.05"], /--runs and --target-halfwidth/],
      [["--target-halfwidth", "0"], /--target-halfwidth: must be a number in \(0, 0\.5\]/],
      [["--target-halfwidth", "0.6"], /--target-halfwidth: must be a number in \(0, 0\.5\]/],
      [["--target-halfwidth", "-0.1"], /--target-halfwidth: must be a number in \(0, 0\.5\]/],
      [["--target-halfwidth", "abc"], /--target-halfwidth: must be a number in \(0, 0\.5\]/],
      [["--target-halfwidth", "NaN"], /--target-halfwidth: must be a number in \(0, 0\.5\]/],
      [["--target-halfwidth", "0.05", "--metric", "latency"], /--metric: unknown metric "latency"/],
      [["--target-halfwidth", "0.05", "--max-runs", "0"], /--max-runs: must be a whole number/],
      [["--target-halfwidth", "0.05", "--max-runs", "30000000"], /--max-runs: at most 20,000,000/],
      [["--runs", "10", "--max-runs", "100"], /--max-runs: only with --target-halfwidth/],
      [["--runs", "10", "--metric", "drops"], /--metric: only with --target-halfwidth/],
      [["--target-halfwidth", "0.05", "--shard", "1/2"], /--target-halfwidth and --shard/],
    ];
    for (const [args, message] of cases) {
      const r = await cliHere([
        "batch",
        "--preset",
        "single-vector-window",
        ...args,
        "--out",
        out,
        "--quiet",
      ]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(existsSync(out), args.join(" ")).toBe(false);
    }
  });
});
