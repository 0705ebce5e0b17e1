import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../src/batch/execute.js";
import { RunFiles } from "../../src/batch/run-files.js";
import { tempDir } from "../cli/helpers.js";

const result = (run: number): RunResult => ({
  run,
  events: 1,
  runs: `${run},x\n`,
  windows: run % 2 === 0 ? `${run},w\n` : "",
  cycles: "",
  inputs: [],
});

describe("RunFiles", () => {
  it("writes results in run order whatever order they arrive in", () => {
    const partial = join(tempDir("msix-sim-runfiles-"), "p");
    mkdirSync(partial);
    const files = RunFiles.create(partial, 10);
    const seen: number[] = [];
    for (const r of [12, 10, 14, 11, 13]) files.add(result(r), (x) => seen.push(x.run));
    expect(seen).toEqual([10, 11, 12, 13, 14]);
    files.close();
    const lines = readFileSync(join(partial, "runs.csv"), "utf8").split("\n").slice(1, -1);
    expect(lines).toEqual(["10,x", "11,x", "12,x", "13,x", "14,x"]);
    expect(() => RunFiles.resume(partial, partial, 10, 15).add(result(12), () => {})).toThrow(
      /arrived twice/,
    );
  });

  it("keeps its index small on a long batch, and resumes from it", () => {
    const partial = join(tempDir("msix-sim-runfiles-"), "p");
    mkdirSync(partial);
    const files = RunFiles.create(partial, 0);
    // One index line per block: tens of thousands of blocks, as a long batch writes.
    for (let r = 0; r < 40_000; r++) {
      files.add(result(r), () => {});
      files.flush();
    }
    files.close();
    expect(statSync(join(partial, "runs.jsonl")).size).toBeLessThan(1.1 * 2 ** 20);
    const again = RunFiles.resume(partial, partial, 0, 40_000);
    expect(again.next).toBe(40_000);
    again.close();
    const runs = readFileSync(join(partial, "runs.csv"), "utf8");
    expect(runs.split("\n").length).toBe(40_000 + 2);
  });
});
