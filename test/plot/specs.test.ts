import { describe, expect, it } from "vitest";
import type { Table } from "../../src/plot/read-results.js";
import { prefixIds } from "../../src/plot/render.js";
import { cycleData } from "../../src/plot/spec-cycles.js";
import { ecdfData } from "../../src/plot/spec-drop-ecdf.js";
import { failureData } from "../../src/plot/spec-failure.js";
import { sweepAxes } from "../../src/plot/spec-sweep.js";
import { chooseTimeUnit, formatNs } from "../../src/plot/units.js";

function table(csv: string): Table {
  const [head, ...lines] = csv.trim().split("\n");
  const columns = head!.split(",");
  const rows = lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [columns[i]!, v])));
  return { file: "fixture.csv", columns, rows };
}

describe("plot data", () => {
  it("ECDF: zero totals lift the start of the curve and are not drawn; ties collapse", () => {
    const runs = table(`run,profile,drop_window_total_ns
0,a,0
1,a,2000000
2,a,2000000
3,a,8000000
0,b,0
1,b,0`);
    const d = ecdfData(runs, ["a", "b"]);
    expect(d.unit).toBe("ms");
    expect(d.rows).toEqual([
      { profile: "a", step: 0, total: 2, fraction: 0.25 },
      { profile: "a", step: 1, total: 2, fraction: 0.75 },
      { profile: "a", step: 2, total: 8, fraction: 1 },
    ]);
    expect(d.counts).toEqual([
      { profile: "a", runs: 4, zero: 1 },
      { profile: "b", runs: 2, zero: 2 },
    ]);
  });

  it("failure interval: Wilson, or [0, exact upper bound] with zero failures", () => {
    const s =
      table(`profile,runs,link_failures,failure_rate,failure_ci95_low,failure_ci95_high,failure_upper95_exact
legacy,10,3,0.3,0.1,0.6,
dyn,10,0,0,0,0.28,0.26`);
    const [legacy, dyn] = failureData(s);
    expect(legacy).toMatchObject({ low: 0.1, high: 0.6, label: "3/10 failed" });
    expect(dyn).toMatchObject({ low: 0, high: 0.26, interval: "exact one-sided 95% upper bound" });
  });

  it("sweep axis: the first varying grid column; log scale over a wide numeric range", () => {
    const s = table(`window,rate,profile
50us,1000,legacy
50us,100000,legacy`);
    expect(sweepAxes(s, ["window", "rate"])).toMatchObject({ x: "rate", log: true, others: [] });
    const t = table(`mode,profile
a,legacy
b,legacy`);
    expect(sweepAxes(t, ["mode"])).toMatchObject({ x: "mode", numeric: false, order: ["a", "b"] });
  });

  it("cycles: mean per active count over resize cycles only", () => {
    const c = table(`run,profile,kind,active,drop_window_total_ns
0,legacy,resize,1,10000
1,legacy,resize,1,30000
0,legacy,disable,1,999999
0,legacy,resize,2,50000`);
    const d = cycleData(c, ["legacy", "dyn"]);
    expect(d.unit).toBe("µs");
    expect(d.rows).toEqual([
      { profile: "legacy", active: 1, cycles: 2, mean: 20, max: 30 },
      { profile: "legacy", active: 2, cycles: 1, mean: 50, max: 50 },
    ]);
    expect(d.cycles).toEqual([
      { profile: "legacy", count: 3 },
      { profile: "dyn", count: 0 },
    ]);
  });

  it("units and SVG ids", () => {
    expect(chooseTimeUnit([0, 500, 40_000, 90_000])).toMatchObject({ label: "µs" });
    expect(formatNs(690_476_600)).toBe("690.5 ms");
    expect(formatNs(0)).toBe("0");
    expect(prefixIds('<clipPath id="clip1"/><g clip-path="url(#clip1)"/>', "p")).toBe(
      '<clipPath id="p-clip1"/><g clip-path="url(#p-clip1)"/>',
    );
  });
});
