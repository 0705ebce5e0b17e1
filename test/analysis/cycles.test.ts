import { describe, expect, it } from "vitest";
import { cycleSummaries } from "../../src/analysis/cycles.js";
import type { Window } from "../../src/analysis/windows.js";
import type { CycleRecord } from "../../src/model/qemu/vfio-msix.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario, runScenario } from "../../src/scenario/runner.js";

/** The direct computation: every window against every cycle. */
function reference(cycles: readonly CycleRecord[], windows: readonly Window[]) {
  return cycles.map((c) => {
    let total = 0;
    let max = 0;
    const vectors = new Set<number>();
    for (const w of windows) {
      const s = Math.max(w.start, c.start);
      const e = Math.min(w.end, c.end);
      if (e > s) {
        total += e - s;
        max = Math.max(max, e - s);
        vectors.add(w.vector);
      }
    }
    return { total, max, vectors: vectors.size };
  });
}

function summaries(cycles: readonly CycleRecord[], windows: readonly Window[]) {
  return cycleSummaries(cycles, windows).map((c) => ({
    total: c.dropWindowTotal,
    max: c.dropWindowMax,
    vectors: c.vectorsWithWindows,
  }));
}

describe("cycle summaries", () => {
  it.each([
    ["hns3-roce-load", "legacy"],
    ["hns3-guest-flr", "noresize"],
    ["hns3-qemu-reset", "legacy"],
  ] as const)("match the direct computation on %s (%s), in any window order", (preset, profile) => {
    const prep = prepareScenario(resolveScenario({ preset }).scenario);
    const r = runScenario(prep, { profile, seed: 3 });
    expect(r.record.cycles.length).toBeGreaterThan(0);
    expect(r.windows.length).toBeGreaterThan(0);
    const want = reference(r.record.cycles, r.windows);
    expect(summaries(r.record.cycles, r.windows)).toEqual(want);
    // Not grouped by vector: the scan of every window.
    const shuffled = [...r.windows].sort((a, b) => a.start - b.start || a.vector - b.vector);
    expect(summaries(r.record.cycles, shuffled)).toEqual(want);
  });
});
