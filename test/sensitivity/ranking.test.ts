import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runSensitivity, type SensitivityResult } from "../../src/sensitivity/run.js";
import { rankAssumptions } from "../../src/sensitivity/table.js";
import { tempDir } from "../cli/helpers.js";

/**
 * single-vector-window: one vector with Poisson traffic (20,000/s) and one teardown whose
 * MSI-X-disabled phase lasts exactly the ioctl cost (50 us; every other latency is zero, and no
 * guest driver is loaded). Moving the ioctl cost moves the drop window, so P(drop) = 1 - e^-λW
 * goes from 22% (x0.25) through 63% to 98% (x4). The driver's napiRearmOnLoss is irrelevant (no
 * driver), and KVM's delivery latency falls outside every drop window: both must come out at 0.
 */
describe("sensitivity ranking on single-vector-window", () => {
  let out: string;
  let res: SensitivityResult;
  beforeAll(async () => {
    out = join(tempDir(), "sens");
    res = await runSensitivity({
      source: { preset: "single-vector-window" },
      metric: "drops",
      runs: 60,
      workers: 1,
      out,
      only: ["host.cost.ioctl", "napiRearmOnLoss", "qemu.deliverKvm"],
      resume: false,
      force: false,
      commandLine: ["sensitivity", "--preset", "single-vector-window"],
      calibrationRuns: 0,
    });
  });

  it("ranks the window's length first, with intervals that exclude zero", () => {
    expect(res.status).toBe("done");
    const { rows, baseline } = rankAssumptions(res.outcomes);
    expect(baseline.y.length).toBe(60);
    expect(rows.map((r) => r.assumption.name)[0]).toBe("host.cost.ioctl");
    const w = rows[0]!;
    expect(w.low!.effect!.high).toBeLessThan(0);
    expect(w.high.effect!.low).toBeGreaterThan(0);
  });

  it("puts a switch irrelevant to the scenario and a latency outside every window at zero, within their intervals", () => {
    const { rows } = rankAssumptions(res.outcomes);
    const top = rows[0]!.maxAbs;
    for (const name of ["napiRearmOnLoss", "qemu.deliverKvm"]) {
      const r = rows.find((x) => x.assumption.name === name)!;
      for (const e of [r.low, r.high]) {
        if (e === null) continue;
        expect(e.effect!.effect, name).toBe(0);
        expect(e.effect!.low, name).toBeLessThanOrEqual(0);
        expect(e.effect!.high, name).toBeGreaterThanOrEqual(0);
        // Its whole interval stays below the window's measured effect.
        expect(e.effect!.high, name).toBeLessThan(top);
      }
      expect(r.maxAbs).toBe(0);
    }
  });

  it("writes the ranked csv, the tornado chart and the report, and a replayable batch per point", () => {
    for (const f of [
      "sensitivity.csv",
      "tornado.svg",
      "tornado.vl.json",
      "index.html",
      "sensitivity.json",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const csv = readFileSync(join(out, "sensitivity.csv"), "utf8").split("\n");
    expect(csv[0]!.startsWith("rank,parameter,set_path,")).toBe(true);
    expect(csv[1]!.startsWith("1,host.cost.ioctl,params.host.cost.ioctl,")).toBe(true);
    const m = JSON.parse(readFileSync(join(out, "p00_baseline", "manifest.json"), "utf8"));
    expect(m.seeds.base).toBe(1);
    expect(m.runs).toBe(60);
    // Same seeds at every point: common random numbers.
    const hi = JSON.parse(
      readFileSync(join(out, "p02_host.cost.ioctl_high", "manifest.json"), "utf8"),
    );
    expect(hi.seeds).toEqual(m.seeds);
    expect(hi.scenario.params.host.cost.ioctl).toBe(200_000);
  });

  it("keeps every finished point on --resume and writes the same ranking", async () => {
    const before = readFileSync(join(out, "sensitivity.csv"), "utf8");
    const again = await runSensitivity({
      source: { preset: "single-vector-window" },
      metric: "drops",
      runs: 60,
      workers: 1,
      out,
      only: ["host.cost.ioctl", "napiRearmOnLoss", "qemu.deliverKvm"],
      resume: true,
      force: false,
      commandLine: ["sensitivity", "--preset", "single-vector-window", "--resume"],
      calibrationRuns: 0,
    });
    expect(again.ran).toBe(0);
    expect(readFileSync(join(out, "sensitivity.csv"), "utf8")).toBe(before);
  });
});
