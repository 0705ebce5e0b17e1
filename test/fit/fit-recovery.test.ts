import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { runFit } from "../../src/fit/fit.js";
import { tempDir } from "../cli/helpers.js";

/**
 * single-vector-window loses an interrupt with P = 1 - exp(-rate x window) (one Poisson vector,
 * one MSI-X-disabled phase of exactly `window`). An observation drawn at a known value must be
 * fitted to an interval that contains it. Small runs and a small search keep this to seconds;
 * workers 1 runs the batches in this thread.
 */
const fitPreset = (vary: string, observed: string, out: string) =>
  runFit({
    preset: "single-vector-window",
    params: [],
    sets: [],
    observed,
    vary: [vary],
    metric: "drops",
    runs: 80,
    workers: 1,
    out,
    resume: false,
    force: false,
    commandLine: ["fit", "--vary", vary, "--observed", observed],
    search: { gridPoints: 5, refineSteps: 2, edgeSteps: 1 },
  });

/** The K of N expected at P (the observation a lab would see on average). */
const observe = (p: number, n: number) => `${Math.round(p * n)}/${n}`;

describe("fit recovers a known answer on single-vector-window", () => {
  it("rate, at window = 50us: true rate 7000/s", async () => {
    const truth = 7000;
    const p = 1 - Math.exp(-truth * 50e-6); // 0.295
    const out = join(tempDir("msix-sim-fit-rate-"), "fit");
    const res = await fitPreset("rate=1000..50000:log", observe(p, 200), out);
    expect(res.status).toBe("done");
    expect(res.code).toBe(0);
    const r = res.report!;
    expect(r.kind).toBe("one");
    if (r.kind !== "one") return;
    expect(r.result.status).toBe("ok");
    expect(r.result.direction).toBe("increasing");
    expect(r.result.low!).toBeLessThanOrEqual(truth);
    expect(r.result.high!).toBeGreaterThanOrEqual(truth);
    // The estimate itself is close: within a factor of 1.5 at 80 runs per point.
    expect(r.result.estimate!).toBeGreaterThan(truth / 1.5);
    expect(r.result.estimate!).toBeLessThan(truth * 1.5);
    // Every point is a batch folder; fit.csv lists them.
    const rows = parse(readFileSync(join(out, "fit.csv"), "utf8"), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows.length).toBe(r.result.points.length);
    for (const row of rows) {
      expect(existsSync(join(out, row.folder!, "runs.csv"))).toBe(true);
      expect(row.runs).toBe("80");
    }
    for (const f of ["fit.svg", "fit.json", "index.html", "fit.vl.json"]) {
      expect(existsSync(join(out, f))).toBe(true);
    }
  });

  it("window, at rate = 20000/s: true window 20us", async () => {
    const truthNs = 20_000;
    const p = 1 - Math.exp(-20_000 * truthNs * 1e-9); // 0.33
    const out = join(tempDir("msix-sim-fit-window-"), "fit");
    const res = await fitPreset("window=2us..200us:log", observe(p, 200), out);
    const r = res.report!;
    expect(r.kind).toBe("one");
    if (r.kind !== "one") return;
    expect(r.plan.axes[0]!.kind).toBe("duration");
    expect(r.result.status).toBe("ok");
    expect(r.result.low!).toBeLessThanOrEqual(truthNs);
    expect(r.result.high!).toBeGreaterThanOrEqual(truthNs);
    expect(r.result.estimate!).toBeGreaterThan(truthNs / 1.5);
    expect(r.result.estimate!).toBeLessThan(truthNs * 1.5);
    const json = JSON.parse(readFileSync(join(out, "fit.json"), "utf8"));
    expect(json.parameter).toBe("window");
    expect(json.unit).toBe("ns");
  });
});
