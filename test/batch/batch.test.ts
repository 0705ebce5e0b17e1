import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_COLUMNS } from "../../src/analysis/run-row.js";
import { csvLine } from "../../src/batch/replay.js";
import { CLI, cli, cliHere, tempDir } from "../cli/helpers.js";

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
    // The merged manifest describes the merged batch, not its first shard.
    const mm = JSON.parse(read(merged, "manifest.json"));
    expect(mm.command_line).toBe(
      `msix-sim merge ${[...shards].reverse().join(" ")} --out ${merged}`,
    );
    expect(mm.shard).toBe("1/1");
    expect(mm.seeds).toEqual({ base: 1, first: 1, last: 8, rule: "seed = base + run" });
    expect(mm.merged_from.map((x: { shard: string }) => x.shard)).toEqual(["1/3", "2/3", "3/3"]);
    const { merged_from: _, ...rest } = mm;
    for (const k of ["started_at", "finished_at", "command_line"]) delete rest[k];
    expect(rest).toEqual(manifestWithoutTimes(whole));
    const incomplete = cli(["merge", shards[0]!, shards[2]!, "--out", join(root, "bad-merge")]);
    expect(incomplete.status).toBe(2);
    expect(incomplete.stderr).toMatch(/runs 2\.\.4 are missing/);
    // Bad output folders: no hang under /proc, a message, exit 2.
    const proc = cli(["merge", ...shards, "--out", "/proc/msix-sim-x"]);
    expect(proc.stderr).toMatch(
      /--out \/proc\/msix-sim-x: cannot create \/proc\/msix-sim-x: ENOENT/,
    );
    expect(proc.status).toBe(2);
    // A write that fails half-way (file size limit): exit 2 naming the file, no temporary file.
    const small = join(root, "merge-efbig");
    const r = spawnSync(
      "sh",
      [
        "-c",
        `ulimit -f 4; exec "${process.execPath}" "${CLI}" merge ${shards.join(" ")} --out "${small}"`,
      ],
      { encoding: "utf8" },
    );
    expect(r.stderr).toMatch(
      /^msix-sim: cannot write .*merge-efbig\/\w+\.csv: EFBIG \(file too large\)\n$/,
    );
    expect(r.status).toBe(2);
    expect(readdirSync(small).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("merge checks every shard against its manifest before writing anything", async () => {
    const shards = [1, 2, 3].map((i) => join(root, `shard${i}`));
    const broken = (name: string, change: (dir: string) => void) => {
      const dir = join(root, `broken-${name}`);
      cpSync(shards[1]!, dir, { recursive: true });
      change(dir);
      return [shards[0]!, dir, shards[2]!];
    };
    const runsCsv = (dir: string) => join(dir, "runs.csv");
    const cases: Array<[string, string[], RegExp]> = [
      [
        "lost its last row",
        broken("row", (d) => {
          const lines = read(d, "runs.csv").split("\n");
          writeFileSync(runsCsv(d), `${lines.slice(0, -2).join("\n")}\n`);
        }),
        /broken-row\/runs\.csv has 11 rows; its manifest \(runs 2\.\.4 x 4 profiles\) needs 12/,
      ],
      [
        "torn last line",
        broken("torn", (d) => writeFileSync(runsCsv(d), read(d, "runs.csv").slice(0, -30))),
        /broken-torn\/runs\.csv ends in the middle of a line/,
      ],
      [
        "rows of another run",
        broken("other", (d) =>
          writeFileSync(runsCsv(d), read(d, "runs.csv").replace(/\n2,3,legacy,/, "\n9,3,legacy,")),
        ),
        /broken-other\/runs\.csv: line 2 should be run 2, seed 3, profile legacy/,
      ],
      [
        "corrupt manifest",
        broken("json", (d) => writeFileSync(join(d, "manifest.json"), "{ not json")),
        /broken-json\/manifest\.json is not valid JSON/,
      ],
      [
        "manifest with a bad field",
        broken("field", (d) => {
          const m = JSON.parse(read(d, "manifest.json"));
          m.run_range = "2-4";
          writeFileSync(join(d, "manifest.json"), JSON.stringify(m));
        }),
        /broken-field\/manifest\.json is not the manifest of a batch: run_range:/,
      ],
      [
        "no manifest",
        broken("nomanifest", (d) => rmSync(join(d, "manifest.json"))),
        /cannot read .*broken-nomanifest\/manifest\.json \(a finished batch folder has one\): ENOENT/,
      ],
      [
        "windows.csv of other columns",
        broken("wcols", (d) =>
          writeFileSync(
            join(d, "windows.csv"),
            read(d, "windows.csv").replace(/^run,seed,profile,vector/, "run,seed,profile,VECTOR"),
          ),
        ),
        /merge: .*broken-wcols\/windows\.csv: does not have the expected columns/,
      ],
      [
        "cycles.csv with an unclosed quote",
        broken("quote", (d) =>
          writeFileSync(join(d, "cycles.csv"), `${read(d, "cycles.csv")}2,"x\n`),
        ),
        /merge: .*broken-quote\/cycles\.csv: malformed CSV/,
      ],
      [
        "no runs.csv",
        broken("noruns", (d) => rmSync(runsCsv(d))),
        /cannot read .*broken-noruns\/runs\.csv: ENOENT/,
      ],
    ];
    for (const [name, dirs, re] of cases) {
      const out = join(root, `merge-${name.replaceAll(" ", "-")}`);
      const r = await cliHere(["merge", ...dirs, "--out", out]);
      expect(r.stderr, name).toMatch(re);
      expect(r.stderr).not.toContain("internal error");
      expect(r.status, name).toBe(2);
      expect(existsSync(out), name).toBe(false);
    }
  });

  it("replay re-runs a row from the folder: --csv is its line of runs.csv, --json its values", async () => {
    const dir = join(root, "w1");
    const lines = read(dir, "runs.csv").trimEnd().split("\n");
    for (const [run, profile] of [
      [0, "legacy"],
      [3, "dyn-small-itt"],
    ] as const) {
      const line = lines.find((l) => l.startsWith(`${run},${run + 1},${profile},`))!;
      const args = ["replay", dir, "--run", String(run), "--profile", profile];
      const csv = await cliHere([...args, "--csv"]);
      expect(csv.stderr).toBe("");
      expect(csv.stdout).toBe(`${lines[0]}\n${line}\n`);
      const json = await cliHere([...args, "--json"]);
      const row = JSON.parse(json.stdout);
      expect(row.run).toBe(run);
      expect(csvLine(row)).toBe(line);
    }
    // A row that does not come out the same (another tool version) is reported.
    const changed = join(root, "replay-changed");
    cpSync(dir, changed, { recursive: true });
    writeFileSync(
      join(changed, "runs.csv"),
      read(dir, "runs.csv").replace(/^(0,1,legacy,.*),([0-9a-f]{16}),/m, "$1,0000000000000000,"),
    );
    const differs = await cliHere([
      "replay",
      changed,
      "--run",
      "0",
      "--profile",
      "legacy",
      "--json",
    ]);
    expect(differs.status).toBe(0);
    expect(differs.stderr).toMatch(
      /warning: run 0 under legacy differs from its row in .*replay-changed\/runs\.csv: the batch was made by msix-sim 0\.1\.0/,
    );
    // A plain run is no run of a batch: its run column is empty.
    const plain = await cliHere(["run", "--preset", "single-vector-window", "--json"]);
    expect(JSON.parse(plain.stdout).run).toBeNull();
    const cases: Array<[string[], RegExp]> = [
      [["replay", dir, "--profile", "dyn"], /--run: required/],
      [
        ["replay", dir, "--run", "8", "--profile", "dyn"],
        /--run: 8 is not a run of this batch \(runs 0\.\.7\)/,
      ],
      [
        ["replay", dir, "--run", "1"],
        /--profile: required; the batch ran legacy, noresize, dyn, dyn-small-itt/,
      ],
      [
        ["replay", dir, "--run", "1", "--profile", "fast"],
        /--profile: the batch did not run "fast"/,
      ],
      [
        ["replay", root, "--run", "1"],
        /replay: cannot read .*manifest\.json \(the folder of a finished batch has one\): ENOENT/,
      ],
      [
        ["replay", dir, "--run", "1", "--json", "--log"],
        /option '--json' cannot be used with option '--log \[categories\]'/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = await cliHere(args);
      expect(r.stderr, args.join(" ")).toMatch(re);
      expect(r.status).toBe(2);
    }
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

  it("SIGTERM with 2 worker processes and no terminal: exit 130 at once, no CSV, and --resume gives the files of an uninterrupted batch", async () => {
    const whole = join(root, "w1");
    const dir = join(root, "interrupted");
    const child = spawn(process.execPath, [
      CLI,
      "batch",
      ...FLR,
      "--runs",
      "8",
      "--workers",
      "2",
      "--out",
      dir,
      "--quiet",
    ]);
    const exited = new Promise<{ code: number | null; at: number }>((r) =>
      child.on("exit", (code) => r({ code, at: Date.now() })),
    );
    const log = join(dir, ".msix-sim-partial", "runs.jsonl");
    const signalled = await new Promise<number>((resolve, reject) => {
      const t = setInterval(() => {
        if (existsSync(log) && readFileSync(log, "utf8").split("\n").length >= 3) {
          clearInterval(t);
          child.kill("SIGTERM");
          resolve(Date.now());
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(t);
        reject(new Error("the batch ended before it could be interrupted"));
      });
    });
    const { code, at } = await exited;
    expect(code).toBe(130);
    // It used to wait forever for a second signal; the bound only tells a hang from an exit.
    expect(at - signalled).toBeLessThan(10_000);
    for (const f of FILES) expect(existsSync(join(dir, f)), f).toBe(false);
    // A hard kill can cut the last line short: resume must survive it.
    writeFileSync(log, `${readFileSync(log, "utf8")}{"run": 7, "rows": [`);
    const r = cli([
      "batch",
      ...FLR,
      "--runs",
      "8",
      "--workers",
      "1",
      "--out",
      dir,
      "--quiet",
      "--resume",
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(whole, f));
    expect(existsSync(join(dir, ".msix-sim-partial"))).toBe(false);
  });

  it("rejects bad arguments with a clear message and exit code 2", async () => {
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
      const r = await cliHere(args);
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
    // A second invocation needs --resume (or --force); it keeps the finished points and writes
    // the same summary.
    const refused = cli(["experiment", file, "--out", out, "--quiet", "--workers", "1"]);
    expect(refused.stderr).toMatch(
      /folder is not empty \(an experiment: 2 of 2 points finished\); use --resume to continue it or --force to start over/,
    );
    expect(refused.status).toBe(2);
    const again = cli(["experiment", file, "--out", out, "--workers", "1", "--resume"]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/p01_window=20us: finished with the same scenario and plan: kept/);
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
