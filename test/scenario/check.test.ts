import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHere, tempDir } from "../cli/helpers.js";

/**
 * Fields that used to be found only once the run had started (an "internal error" with a stack
 * trace and exit code 1, in a batch after its folder was made): now checked before anything runs.
 */
describe("every scenario field is checked before anything runs", () => {
  const dir = tempDir("msix-sim-check-");
  const base = { duration: "10ms" };
  const at = (a: unknown) => ({ ...base, timeline: [{ at: a, action: "msix-enable" }] });
  const cases: Array<[string, unknown, RegExp]> = [
    [
      "timeline at: uniform min > max",
      at({ uniform: ["3ms", "1ms"] }),
      /^msix-sim: timeline\[0\]\.at\.uniform: min \(3 ms\) is greater than max \(1 ms\)\n$/,
    ],
    [
      "timeline at: exponential mean 0",
      at({ exponential: { mean: 0 } }),
      /^msix-sim: timeline\[0\]\.at\.exponential\.mean: must be > 0\n$/,
    ],
    [
      "timeline at: empirical weights all 0",
      at({ empirical: { values: ["1ms"], weights: [0] } }),
      /timeline\[0\]\.at\.empirical\.weights: must not all be 0/,
    ],
    [
      "timeline at: empirical weights of the wrong length",
      at({ empirical: { values: ["1ms", "2ms"], weights: [1] } }),
      /timeline\[0\]\.at\.empirical\.weights: has 1 entries, values has 2/,
    ],
    [
      "nvec beyond the table",
      { ...base, timeline: [{ at: 0, action: "msix-enable", nvec: 5000 }] },
      /timeline\[0\]\.nvec: 5000 is beyond the MSI-X table \(size 64\)/,
    ],
    [
      "nvec on another action",
      { ...base, timeline: [{ at: 0, action: "hns3-load", nvec: 4 }] },
      /timeline\[0\]\.nvec: only for msix-enable, not hns3-load/,
    ],
    [
      "vectors on another action",
      { ...base, timeline: [{ at: 0, action: "msix-enable", vectors: 3 }] },
      /timeline\[0\]\.vectors: only for unmask and mask, not msix-enable/,
    ],
    [
      "a driver distribution",
      { ...at(0), driver: { linkUpDelay: { uniform: ["3ms", "1ms"] } } },
      /driver\.linkUpDelay\.uniform: min \(3 ms\) is greater than max \(1 ms\)/,
    ],
    [
      "an action after the end of the run",
      { ...base, timeline: [{ at: "20ms", action: "guest-flr" }] },
      /timeline\[0\]\.at: 20 ms is after the end of the run \(duration 10 ms\): guest-flr would never happen/,
    ],
    [
      "an action that can only fall after the end",
      at({ uniform: ["11ms", "12ms"] }),
      /timeline\[0\]\.at: 11 ms is after the end of the run/,
    ],
  ];
  for (const [name, scenario, re] of cases) {
    it(name, async () => {
      const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, JSON.stringify(scenario));
      const r = await cliHere(["run", "--scenario", file]);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toContain("internal error");
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
    });
  }

  it("a batch of such a scenario creates no folder", async () => {
    const file = join(dir, "late.json");
    writeFileSync(file, JSON.stringify(at({ exponential: { mean: 0 } })));
    const out = join(dir, "out", "batch");
    const r = await cliHere(["batch", "--scenario", file, "--runs", "2", "--out", out]);
    expect(r.stderr).toMatch(/timeline\[0\]\.at\.exponential\.mean: must be > 0/);
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("an action at the very end still happens, and a random time may fall after it", async () => {
    for (const a of ["10ms", { uniform: ["5ms", "15ms"] }, { exponential: { mean: "50ms" } }]) {
      const file = join(dir, "ok.json");
      writeFileSync(file, JSON.stringify(at(a)));
      const r = await cliHere(["run", "--scenario", file, "--json"]);
      expect(r.stderr, JSON.stringify(a)).toBe("");
      expect(r.status).toBe(0);
    }
  });
});
