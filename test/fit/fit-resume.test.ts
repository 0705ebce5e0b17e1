import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FitOptions, runFit } from "../../src/fit/fit.js";
import { tempDir } from "../cli/helpers.js";

const options = (out: string, over: Partial<FitOptions> = {}): FitOptions => ({
  preset: "single-vector-window",
  params: [],
  sets: [],
  observed: "20/100",
  vary: ["rate=1000..20000:log"],
  metric: "drops",
  runs: 20,
  workers: 1,
  out,
  resume: false,
  force: false,
  commandLine: ["fit"],
  search: { gridPoints: 4, refineSteps: 1, edgeSteps: 0 },
  ...over,
});

describe("fit: interrupted and resumed", () => {
  it("stops when the abort flag is set, keeps finished points, and resumes to the same files", async () => {
    const root = tempDir("msix-sim-fit-resume-");
    const whole = await runFit(options(join(root, "whole")));
    expect(whole.status).toBe("done");

    // Interrupted as a signal would: the flag is set once the second point has started.
    const abort = { aborted: false };
    const lines: string[] = [];
    const cut = join(root, "cut");
    const first = await runFit(
      options(cut, {
        abort,
        say: (t) => lines.push(t),
        progress: () => {
          if (lines.some((l) => l.startsWith("[1]"))) abort.aborted = true;
        },
      }),
    );
    expect(first.status).toBe("aborted");
    expect(first.code).toBe(130);
    expect(first.points).toBe(1);

    const said: string[] = [];
    const again = await runFit(options(cut, { resume: true, say: (t) => said.push(t) }));
    expect(again.status).toBe("done");
    expect(said.some((l) => /^\[1\] .*kept: finished/.test(l))).toBe(true);
    expect(said.some((l) => /^\[2\] .*resumed/.test(l))).toBe(true);
    const csv = (d: string) => readFileSync(join(d, "fit.csv"), "utf8").replaceAll(d, "DIR");
    expect(csv(cut)).toBe(csv(join(root, "whole")));
  });
});

describe("fit with two parameters", () => {
  it("writes a consistency map and one range per parameter", async () => {
    const out = join(tempDir("msix-sim-fit-2d-"), "fit");
    // P = 1 - exp(-rate x window): 0.33 at 20000/s x 20us, and on the whole curve rate x window = 0.4.
    const res = await runFit(
      options(out, {
        observed: "33/100",
        vary: ["rate=2000..50000:log", "window=5us..100us:log"],
        runs: 40,
        search: { gridPoints: 3, maxCells: 2 },
      }),
    );
    expect(res.status).toBe("done");
    const r = res.report!;
    expect(r.kind).toBe("two");
    if (r.kind !== "two") return;
    expect(r.result.points.length).toBeGreaterThanOrEqual(9);
    const json = JSON.parse(readFileSync(join(out, "fit.json"), "utf8"));
    expect(json.map).toBe("fit-map.csv");
    expect(json.parameters.map((p: { parameter: string }) => p.parameter)).toEqual([
      "rate",
      "window",
    ]);
    // The corners (P = 0.01 and 0.99) are not consistent with 33/100; every consistent pair lies
    // near the curve rate x window = -ln(0.67) = 0.4 (within a factor of 10 at 40 runs, which is wide).
    const map = readFileSync(join(out, "fit-map.csv"), "utf8").trim().split("\n");
    expect(map[0]).toBe("rate,window,failure_rate,ci95_low,ci95_high,consistent");
    expect(map.length).toBe(10);
    expect(map[1]).toMatch(/^2000,5000,.*,no$/);
    expect(map[9]).toMatch(/^50000,100000,.*,no$/);
    const consistent = r.result.points.filter((p) => p.consistent);
    expect(consistent.length).toBeGreaterThanOrEqual(2);
    for (const p of consistent) {
      const lw = p.values[0]! * p.values[1]! * 1e-9;
      expect(lw).toBeGreaterThan(0.04);
      expect(lw).toBeLessThan(4);
    }
    // Each parameter's range is that of the consistent points.
    for (const i of [0, 1]) {
      const vs = consistent.map((p) => p.values[i]!);
      expect(json.parameters[i].low).toBe(Math.min(...vs));
      expect(json.parameters[i].high).toBe(Math.max(...vs));
    }
  });
});
