import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHere, tempDir } from "./helpers.js";

/** Inputs that used to hang, overflow or exhaust the machine: refused at once, exit 2. */
describe("hostile arguments", () => {
  const dir = tempDir("msix-sim-hostile-");
  writeFileSync(join(dir, "s.json"), JSON.stringify({ duration: "1ms" }));
  const cases: Array<[string[], RegExp]> = [
    [
      ["run", "--scenario", "/dev/zero"],
      /--scenario: cannot read \/dev\/zero: it is a device, not a regular file/,
    ],
    [["run", "--scenario", dir], /--scenario: cannot read .*: it is a folder/],
    [
      ["experiment", "/dev/zero", "--out", join(dir, "e")],
      /experiment: cannot read \/dev\/zero: it is a device, not a regular file/,
    ],
    [
      ["batch", "--runs", "2", "--workers", "100000", "--out", join(dir, "w")],
      /--workers: at most \d+ \(4 per core, \d+ cores\), got 100000/,
    ],
    [
      ["batch", "--runs", "3", "--seed", "9007199254740990", "--out", join(dir, "s")],
      /--seed: the last run's seed, 9007199254740990 \+ 2, is beyond 2\^53 - 1/,
    ],
    [["merge", dir, "--out", dir, "--force"], /--out .*: is one of the folders to merge/],
    [
      ["batch", "--runs", "1000000000000000", "--out", join(dir, "r")],
      /--runs: 1000000000000000 runs in one batch; .*at most 20,000,000: split it with --shard/,
    ],
    [
      ["run", "--scenario", join(dir, "s.json"), "--trace", join(dir, "s.json")],
      /--trace: cannot write .*s\.json: it is the scenario file/,
    ],
  ];
  for (const [args, re] of cases) {
    it(args.join(" ").replace(dir, "DIR"), async () => {
      const r = await cliHere(args);
      expect(r.stderr).toMatch(re);
      expect(r.status).toBe(2);
    });
  }
});
