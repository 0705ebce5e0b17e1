import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHere, tempDir } from "../cli/helpers.js";

/** Bad input: exit 2, a message naming the field, no stack trace, nothing created. */
describe("msix-sim sensitivity: bad input", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["unknown preset", ["--preset", "no-such"], /preset/],
    [
      "unknown --only name",
      ["--preset", "single-vector-window", "--only", "host.cost.ioctl,nope"],
      /--only: unknown assumption "nope"/,
    ],
    ["bad --runs", ["--preset", "single-vector-window", "--runs", "0"], /--runs/],
    ["non-numeric --runs", ["--preset", "single-vector-window", "--runs", "ten"], /--runs/],
    [
      "bad metric",
      ["--preset", "single-vector-window", "--metric", "speed"],
      /--metric: unknown metric "speed"/,
    ],
    ["bad profile", ["--preset", "single-vector-window", "--profile", "fast"], /--profile/],
    [
      "bad --set",
      ["--preset", "single-vector-window", "--set", "params.host.cost.ioctl=-5us"],
      /params\.host\.cost\.ioctl/,
    ],
    [
      "--resume and --force",
      ["--preset", "single-vector-window", "--resume", "--force"],
      /--resume and --force/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const dir = tempDir();
      const out = join(dir, "out");
      const r = await cliHere(["sensitivity", ...args, "--out", out]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("a missing --out", async () => {
    const r = await cliHere(["sensitivity", "--preset", "single-vector-window"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out/);
  });

  it("a non-empty --out without --resume or --force is left as it was", async () => {
    const out = tempDir();
    mkdirSync(join(out, "mine"));
    writeFileSync(join(out, "mine", "x.txt"), "x");
    const r = await cliHere(["sensitivity", "--preset", "single-vector-window", "--out", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not empty/);
    expect(readdirSync(out)).toEqual(["mine"]);
  });

  it("an --out that is a file", async () => {
    const dir = tempDir();
    const f = join(dir, "file");
    writeFileSync(f, "x");
    const r = await cliHere(["sensitivity", "--preset", "single-vector-window", "--out", f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out/);
    expect(readdirSync(dir)).toEqual(["file"]);
  });
});

describe("msix-sim sensitivity: a small analysis from the command line", () => {
  it("says how long it will take before it starts, and prints the ranking as JSON", async () => {
    const out = join(tempDir(), "out");
    const r = await cliHere([
      "sensitivity",
      "--preset",
      "single-vector-window",
      "--only",
      "host.cost.ioctl,napiRearmOnLoss",
      "--metric",
      "drops",
      "--runs",
      "6",
      "--workers",
      "1",
      "--json",
      "--out",
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    // The estimate comes first, before the first point.
    const lines = r.stderr.split("\n");
    expect(lines[0]).toMatch(/^msix-sim sensitivity: 4 points × 6 runs ≈ \d+ s on 1 worker/);
    expect(lines[1]).toMatch(/p00_baseline/);
    const j = JSON.parse(r.stdout);
    expect(j.metric).toBe("drops");
    expect(j.runs).toBe(6);
    expect(j.ranking.map((x: { parameter: string }) => x.parameter)).toEqual([
      "host.cost.ioctl",
      "napiRearmOnLoss",
    ]);
    expect(j.ranking[1].high.effect).toBe(0);
    expect(j.ranking[1].low).toBeNull();
  });
});
