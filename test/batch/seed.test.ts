import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHere, tempDir } from "../cli/helpers.js";

const enable = [
  { at: 0, action: "msix-enable", nvec: 8 },
  { at: 0, action: "unmask", vectors: "0-3" },
];

describe("batch --scenario honours the scenario's seed", () => {
  it("the base seed is the scenario's unless --seed is given; a non-numeric one needs --seed", async () => {
    const dir = tempDir("msix-sim-seed-");
    const scenario = (seed: unknown) => {
      const file = join(dir, `s-${String(seed)}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          seed,
          duration: "2ms",
          traffic: [{ vectors: 0, poisson: { rate: 5000 } }],
          timeline: enable,
        }),
      );
      return file;
    };
    const seeds = async (args: string[]) => {
      const out = join(dir, `out-${args.join("-").replace(/\W+/g, "_")}`);
      const r = await cliHere([
        "batch",
        ...args,
        "--runs",
        "2",
        "--profiles",
        "dyn",
        "--workers",
        "1",
        "--quiet",
        "--out",
        out,
      ]);
      expect(r.stderr).toBe("");
      const lines = readFileSync(join(out, "runs.csv"), "utf8").trim().split("\n").slice(1);
      return lines.map((l) => Number(l.split(",")[1]));
    };
    expect(await seeds(["--scenario", scenario(42)])).toEqual([42, 43]);
    expect(await seeds(["--scenario", scenario(42), "--seed", "7"])).toEqual([7, 8]);
    const named = await cliHere([
      "batch",
      "--scenario",
      scenario("abc"),
      "--runs",
      "2",
      "--out",
      join(dir, "n"),
    ]);
    expect(named.stderr).toMatch(/seed: the scenario's seed "abc" is not a number.*give --seed/);
    expect(named.status).toBe(2);
    expect(existsSync(join(dir, "n"))).toBe(false);
  });
});
