import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHere, tempDir } from "../cli/helpers.js";

/**
 * Bad input to `msix-sim fit`: a message naming the field, exit code 2, no stack trace, and
 * nothing created (the output folder does not appear). All are refused before any run.
 */
describe("msix-sim fit: bad input", () => {
  const dir = tempDir("msix-sim-fit-bad-");
  const base = ["fit", "--preset", "single-vector-window", "--runs", "5", "--workers", "1"];
  const cases: Array<[string, string[], RegExp]> = [
    [
      "K > N",
      ["--observed", "5/3", "--vary", "rate=100..1000"],
      /--observed 5\/3: K \(5\) cannot exceed N \(3\)/,
    ],
    [
      "N = 0",
      ["--observed", "0/0", "--vary", "rate=100..1000"],
      /--observed 0\/0: N must be at least 1/,
    ],
    [
      "K/N malformed",
      ["--observed", "3 of 100", "--vary", "rate=100..1000"],
      /--observed 3 of 100: expected K\/N/,
    ],
    [
      "K/N negative",
      ["--observed", "-1/100", "--vary", "rate=100..1000"],
      /--observed -1\/100: expected K\/N/,
    ],
    ["--observed missing", ["--vary", "rate=100..1000"], /--observed: required/],
    [
      "LO >= HI",
      ["--observed", "3/100", "--vary", "rate=1000..100"],
      /--vary rate=1000\.\.100: LO must be below HI/,
    ],
    ["LO = HI", ["--observed", "3/100", "--vary", "rate=5..5"], /LO must be below HI/],
    [
      ":log with LO <= 0",
      ["--observed", "3/100", "--vary", "rate=0..1000:log"],
      /--vary rate=0\.\.1000:log: a :log range needs LO > 0/,
    ],
    ["no range", ["--observed", "3/100", "--vary", "rate"], /--vary rate: expected NAME=LO\.\.HI/],
    [
      "a range that is not numbers",
      ["--observed", "3/100", "--vary", "rate=a..b"],
      /--vary rate=a\.\.b: LO: "a" is not a number/,
    ],
    [
      "unknown NAME, listing the valid ones",
      ["--observed", "3/100", "--vary", "speed=1..2"],
      /--vary speed=1\.\.2: preset single-vector-window has no parameter "speed" \(valid: rate, window, set:PATH\)/,
    ],
    [
      "a value the preset rejects (rate must be > 0)",
      ["--observed", "3/100", "--vary", "rate=0..1000"],
      /--vary rate=0\.\.1000: at rate=0: --param rate: must be > 0/,
    ],
    [
      "a value the schema rejects (set: path)",
      ["--observed", "3/100", "--vary", "set:traffic.0.poisson.rate=-5..10"],
      /at set:traffic\.0\.poisson\.rate=-5: traffic\[0\]\.poisson\.rate: must be > 0/,
    ],
    [
      "a set: path that is no field",
      ["--observed", "3/100", "--vary", "set:nosuch.field=1..2"],
      /at set:nosuch\.field=1: .*unknown field nosuch/,
    ],
    [
      "a duration range with a bad unit",
      ["--observed", "3/100", "--vary", "window=1xs..5us"],
      /--vary window=1xs\.\.5us: LO: /,
    ],
    [
      "an unknown metric",
      ["--observed", "3/100", "--vary", "rate=100..1000", "--metric", "speed"],
      /--metric: unknown metric "speed" \(known: link_failed, drops, port_reset, not_ok\)/,
    ],
    [
      "an unknown profile",
      ["--observed", "3/100", "--vary", "rate=100..1000", "--profile", "fast"],
      /--profile: unknown profile "fast" \(known: legacy, noresize, dyn, dyn-small-itt\)/,
    ],
    ["--vary missing", ["--observed", "3/100"], /--vary: required/],
    [
      "three --vary",
      [
        "--observed",
        "3/100",
        "--vary",
        "rate=1..2",
        "--vary",
        "window=1us..2us",
        "--vary",
        "set:duration=13ms..14ms",
      ],
      /--vary: at most two parameters/,
    ],
    [
      "the same --vary twice",
      ["--observed", "3/100", "--vary", "rate=1..2", "--vary", "rate=3..4"],
      /--vary: rate is given twice/,
    ],
    [
      "a choice parameter",
      ["--observed", "3/100", "--vary", "function=1..2", "--preset", "hns3-guest-flr"],
      /function is a choice parameter/,
    ],
    [
      "--resume and --force",
      ["--observed", "3/100", "--vary", "rate=100..1000", "--resume", "--force"],
      /--resume and --force: give one of them/,
    ],
    [
      "--runs 0",
      ["--observed", "3/100", "--vary", "rate=100..1000", "--runs", "0"],
      /--runs: must be a whole number >= 1/,
    ],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const out = join(dir, name.replace(/[^a-z0-9]+/gi, "-"));
      const r = await cliHere([...base, ...args, "--out", out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stdout).toBe("");
      expect(existsSync(out)).toBe(false);
    });
  }

  it("refuses a non-empty --out without --resume or --force, and writes nothing there", async () => {
    const out = join(dir, "full");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "x");
    const r = await cliHere([
      ...base,
      "--observed",
      "3/100",
      "--vary",
      "rate=100..1000",
      "--out",
      out,
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*full: folder is not empty; use --resume .* or --force/);
    expect(readdirSync(out)).toEqual(["keep.txt"]);
  });

  it("--resume of a folder without a fit is refused", async () => {
    const out = join(dir, "nofit");
    mkdirSync(out);
    const r = await cliHere([
      ...base,
      "--observed",
      "3/100",
      "--vary",
      "rate=100..1000",
      "--out",
      out,
      "--resume",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--resume: .* holds no fit to continue/);
  });

  it("--out that is a file", async () => {
    const f = join(dir, "afile");
    writeFileSync(f, "x");
    const r = await cliHere([
      ...base,
      "--observed",
      "3/100",
      "--vary",
      "rate=100..1000",
      "--out",
      f,
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*afile: is a file, not a folder/);
  });
});

describe("msix-sim fit: --json and no effect", () => {
  const dir = tempDir("msix-sim-fit-json-");
  const base = ["fit", "--preset", "single-vector-window", "--runs", "10", "--workers", "1"];

  it("--json prints exactly one JSON object with the result", async () => {
    const out = join(dir, "json");
    const r = await cliHere([
      ...base,
      "--observed",
      "30/100",
      "--vary",
      "rate=1000..100000:log",
      "--metric",
      "drops",
      "--out",
      out,
      "--json",
      "--quiet",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(j.parameter).toBe("rate");
    expect(j.observed).toBe("30/100");
    expect(typeof j.estimate).toBe("number");
    expect(j.low).toBeLessThanOrEqual(j.estimate);
    expect(j.high).toBeGreaterThanOrEqual(j.estimate);
    expect(j.points).toBeGreaterThanOrEqual(7);
    expect(j.method.observed_interval).toMatch(/Clopper-Pearson/);
    expect(JSON.parse(readFileSync(join(out, "fit.json"), "utf8"))).toEqual(j);
  });

  it("a parameter with no effect on the metric: exit 2 naming it, the metric and the range", async () => {
    const out = join(dir, "flat");
    // single-vector-window never fails its link: link_failed is 0 at every rate.
    const r = await cliHere([
      ...base,
      "--observed",
      "3/100",
      "--vary",
      "rate=100..1000",
      "--metric",
      "link_failed",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/rate has no effect on link_failed over 100\.\.1000/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
