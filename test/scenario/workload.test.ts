import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveScenario } from "../../src/scenario/load.js";
import {
  checkWorkload,
  EVENTS_PER_INTERRUPT,
  estimateWorkload,
  MAX_EVENTS_PER_RUN,
} from "../../src/scenario/workload.js";
import { cliHere, tempDir } from "../cli/helpers.js";

const enable = [
  { at: 0, action: "msix-enable", nvec: 8 },
  { at: 0, action: "unmask", vectors: "0-3" },
];

describe("the work a scenario implies is estimated before it runs", () => {
  it("from each source's rate, active time and vectors", () => {
    const dir = tempDir("msix-sim-work-");
    const file = join(dir, "w.json");
    writeFileSync(
      file,
      JSON.stringify({
        duration: "2s",
        traffic: [
          { vectors: "0-3", poisson: { rate: 1000 } }, // 4 x 1000/s x 2 s
          { vectors: 5, start: "1s", stop: "5s", periodic: { period: "1ms" } }, // 1000/s x 1 s
          { vectors: 6, onoff: { rate: 100, on: "1ms", off: "3ms" } }, // 25/s x 2 s
        ],
        timeline: enable,
      }),
    );
    const w = estimateWorkload(resolveScenario({ scenarioFile: file }).prep);
    expect(w.interrupts).toBeCloseTo(8000 + 1000 + 50, 6);
    expect(w.events).toBeCloseTo(EVENTS_PER_INTERRUPT * 9050, 6);
  });

  it("an absurd run is refused, saying how long it would take; --force lets it through", async () => {
    const dir = tempDir("msix-sim-work-");
    const file = join(dir, "huge.json");
    writeFileSync(
      file,
      JSON.stringify({
        duration: "1000000s",
        traffic: [{ vectors: "0-3", poisson: { rate: 250000 } }],
        timeline: enable,
      }),
    );
    const re =
      /the scenario implies about 4e12 simulation events.* \(1e12 interrupts over duration 1000000 s\): about 23 days per run .*above the limit of 200 million events per run.*--force/;
    const run = await cliHere(["run", "--scenario", file]);
    expect(run.stderr).toMatch(re);
    expect(run.status).toBe(2);
    const out = join(dir, "out");
    const batch = await cliHere(["batch", "--scenario", file, "--runs", "3", "--out", out]);
    expect(batch.stderr).toMatch(/per run, 12 runs/);
    expect(batch.status).toBe(2);
    expect(existsSync(out)).toBe(false);
    const prep = resolveScenario({ scenarioFile: file }).prep;
    expect(estimateWorkload(prep).events).toBeGreaterThan(MAX_EVENTS_PER_RUN);
    expect(() => checkWorkload(prep, true)).not.toThrow();
    // A trace holds every interrupt in memory: --force cannot make that fit (it ran out of heap).
    for (const flag of ["--trace=t.json", "--log=irq"]) {
      const r = await cliHere(["run", "--scenario", file, "--force", flag]);
      expect(r.stderr).toMatch(
        /(--trace|--log=irq): the run raises about 1e12 interrupts, and a trace keeps each in memory \(at most 2 million\)/,
      );
      expect(r.status).toBe(2);
    }
  });

  it("the presets are well within the limit", () => {
    for (const preset of ["hns3-roce-load", "hns3-qemu-reset", "hns3-guest-flr"]) {
      const w = estimateWorkload(resolveScenario({ preset }).prep);
      expect(w.events, preset).toBeLessThan(MAX_EVENTS_PER_RUN / 100);
    }
  });
});
