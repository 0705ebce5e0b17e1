import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type * as ExperimentModule from "../../src/batch/experiment.js";
import { cliHere, tempDir } from "../cli/helpers.js";

// The built module, like the CLI (a batch with --workers 1 runs in this thread).
const { runExperiment } = (await import(
  resolve(import.meta.dirname, "../../dist/batch/experiment.js")
)) as typeof ExperimentModule;

describe("experiment --resume and --force", () => {
  const dir = tempDir("msix-sim-expresume-");
  const file = join(dir, "e.json");
  const out = join(dir, "results");
  const write = (runs: number, windows = ["20us", "80us"]) =>
    writeFileSync(
      file,
      JSON.stringify({
        name: "resume",
        preset: "single-vector-window",
        grid: { window: windows },
        profiles: ["legacy", "dyn"],
        runs,
        windowRuns: 2,
      }),
    );
  const run = async (...flags: string[]) => {
    const r = await cliHere(["experiment", file, "--out", out, "--workers", "1", ...flags]);
    return { ...r, notes: r.stderr };
  };

  it("continues an interrupted experiment after its run count changed, and says what it redoes", async () => {
    write(6);
    // Interrupted in the second point: the first finished, the second has a checkpoint.
    const abort = { aborted: false };
    let point = -1;
    const res = await runExperiment({
      file,
      out,
      workers: 1,
      force: false,
      resume: false,
      quiet: true,
      commandLine: ["experiment", file, "--out", out],
      abort,
      onPoint: (_l, i) => {
        point = i;
      },
      progress: (done) => {
        if (point === 1 && done >= 2) abort.aborted = true;
      },
    });
    expect(res.status).toBe("aborted");
    const p2 = join(out, "p02_window=80us");
    expect(existsSync(join(p2, ".msix-sim-partial", "runs.jsonl"))).toBe(true);
    expect(existsSync(join(p2, "cycles.csv"))).toBe(false);

    // Without a flag: refused, saying what is there and what to do.
    const plain = await run();
    expect(plain.stderr).toMatch(
      /folder is not empty \(an experiment: 1 of 2 points finished, 1 interrupted\); use --resume to continue it or --force to start over/,
    );
    expect(plain.status).toBe(2);

    // Same experiment: the finished point is kept as it is, the interrupted one resumed.
    const p1runs = join(out, "p01_window=20us", "runs.csv");
    const kept = statSync(p1runs).mtimeMs;
    const same = await run("--resume");
    expect(same.status, same.stderr).toBe(0);
    expect(same.notes).toMatch(/p01_window=20us: finished with the same scenario and plan: kept/);
    expect(same.notes).toMatch(/p02_window=80us: interrupted: resumed/);
    expect(statSync(p1runs).mtimeMs).toBe(kept);

    // More runs: every point is run again, saying why; no stale file stays.
    write(8);
    const more = await run("--resume");
    expect(more.status, more.stderr).toBe(0);
    expect(more.notes).toMatch(
      /p01_window=20us: finished with another plan \(runs: was 6, now 8\): run again/,
    );
    const summary = readFileSync(join(out, "summary.csv"), "utf8").trim().split("\n");
    expect(summary.slice(1).every((l) => l.split(",")[2] === "8")).toBe(true);
    for (const p of ["p01_window=20us", "p02_window=80us"]) {
      expect(readdirSync(join(out, p)).sort()).toEqual([
        "cycles.csv",
        "manifest.json",
        "paired.csv",
        "runs.csv",
        "summary.csv",
        "windows.csv",
      ]);
    }
  });

  it("refuses --resume when the grid changed, and --force starts over", async () => {
    write(8, ["20us", "40us"]);
    const changed = await run("--resume");
    expect(changed.stderr).toMatch(
      /--resume: the grid changed: p02_window=80us in .* is not a point of this experiment any more; use --force to start over/,
    );
    expect(changed.status).toBe(2);
    const forced = await run("--force", "--quiet");
    expect(forced.status, forced.stderr).toBe(0);
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith("p"))
        .sort(),
    ).toEqual(["p01_window=20us", "p02_window=40us"]);
    const both = await run("--force", "--resume");
    expect(both.stderr).toMatch(/--resume and --force: give one of them, not both/);
    expect(both.status).toBe(2);
    const nothing = await cliHere(["experiment", file, "--out", join(dir, "none"), "--resume"]);
    expect(nothing.stderr).toMatch(/--resume: .*none holds no experiment to continue/);
    expect(existsSync(join(dir, "none"))).toBe(false);
  });

  it("a bad grid point is found before anything is written", async () => {
    writeFileSync(
      file,
      JSON.stringify({
        name: "bad",
        preset: "single-vector-window",
        grid: { rate: [1000, -5] },
        runs: 2,
      }),
    );
    const fresh = join(dir, "fresh");
    const r = await cliHere(["experiment", file, "--out", fresh]);
    expect(r.stderr).toMatch(/grid point p02_rate=-5: --param rate: must be > 0/);
    expect(r.status).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });
});
