import { describe, expect, it } from "vitest";
import type { Table } from "../../src/plot/read-results.js";
import { prefixIds } from "../../src/plot/render.js";
import { identicalNote, identicalSeries } from "../../src/plot/spec-common.js";
import { cycleData } from "../../src/plot/spec-cycles.js";
import { dropEcdfSpec, ecdfData } from "../../src/plot/spec-drop-ecdf.js";
import { failureData, failureFacetSpec, LOSS } from "../../src/plot/spec-failure.js";
import { sweepAxes, sweepSpec } from "../../src/plot/spec-sweep.js";
import { shortSummary } from "../../src/plot/summary-table.js";
import { chooseTimeUnit, formatNs } from "../../src/plot/units.js";

/** drop_window_total_ns per profile, as readRunsDigest gives them, from a runs table. */
function totals(t: Table): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of t.rows) {
    const list = out.get(r["profile"]!) ?? [];
    list.push(Number(r["drop_window_total_ns"]));
    out.set(r["profile"]!, list);
  }
  return out;
}

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
    const d = ecdfData(totals(runs), ["a", "b"]);
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

  it("sweep axis units: a rate is per second; grid values such as 10us are durations", () => {
    const d = table(`window,profile
10us,legacy
50us,legacy
200us,legacy`);
    expect(sweepAxes(d, ["window"])).toMatchObject({ numeric: true, unit: "µs", log: true });
    const spec = sweepSpec(
      table(`window,profile,drop_rate,drop_rate_ci95_low,drop_rate_ci95_high
10us,legacy,0.1,0.05,0.2
200us,legacy,0.9,0.8,0.95`),
      ["window"],
      ["legacy"],
    ) as {
      vconcat: Array<{
        data: { values: Array<{ x: number }> };
        layer: Array<{ encoding: { x: { title: string } } }>;
      }>;
    };
    expect(spec.vconcat[0]!.data.values.map((v) => v.x)).toEqual([10, 200]);
    expect(spec.vconcat[0]!.layer[0]!.encoding.x.title).toBe("window (µs, log scale)");
    const r = table(`nic_rate,profile
10,legacy
30,legacy`);
    expect(sweepAxes(r, ["nic_rate"])).toMatchObject({ unit: "per second", log: false });
    expect(
      sweepAxes(
        table(`mode,profile
a,x
b,x`),
        ["mode"],
      ).unit,
    ).toBeNull();
  });

  it("profiles whose lines would hide each other are found, exactly or within a tolerance", () => {
    const rows = [
      { profile: "legacy", x: 1, y: 0.5 },
      { profile: "legacy", x: 2, y: 0.9 },
      { profile: "noresize", x: 1, y: 0.5 },
      { profile: "noresize", x: 2, y: 0.9 },
      { profile: "dyn", x: 1, y: 0 },
      { profile: "dyn", x: 2, y: 0.001 },
      { profile: "other", x: 1, y: 0 },
      { profile: "other", x: 2, y: 0 },
    ];
    const profiles = ["legacy", "noresize", "dyn", "other"];
    expect(identicalSeries(rows, profiles)).toEqual([
      { profiles: ["legacy", "noresize"], exact: true },
    ]);
    expect(identicalSeries(rows, profiles, 0.005)).toEqual([
      { profiles: ["legacy", "noresize"], exact: true },
      { profiles: ["dyn", "other"], exact: false },
    ]);
    // ECDFs on a log axis: curves a few tenths of a percent apart hide each other.
    const ecdf = dropEcdfSpec(
      totals(
        table(`run,profile,drop_window_total_ns
0,a,690000000
1,a,691000000
0,b,687000000
1,b,688000000
0,c,1000000
1,c,2000000`),
      ),
      ["a", "b", "c"],
    ) as { title: { subtitle: string[] } };
    expect(ecdf.title.subtitle).toContain(
      "a and b: indistinguishable at this scale (one line hides the other)",
    );
    expect(ecdf.title.subtitle.join(" ")).not.toMatch(/\bc\b.*indistinguishable/);
    expect(identicalNote(identicalSeries(rows, profiles, 0.005))).toEqual([
      "legacy and noresize: identical values (one line hides the other)",
      "dyn and other: indistinguishable at this scale (one line hides the other)",
    ]);
  });

  it("the report's summary table: plain headers, counts with rates and intervals, outcomes beside link failures", () => {
    const s =
      table(`profile,runs,link_failures,failure_rate,failure_ci95_low,failure_ci95_high,failure_upper95_exact,runs_with_drops,drop_rate,drop_rate_ci95_low,drop_rate_ci95_high,mean_drops,drop_window_total_p50_ns,drop_window_total_p99_ns
legacy,40,15,0.375,0.2422,0.5297,,40,1,0.9124,1,16.38,690476600,691300000
dyn-small-itt,40,0,0,0,0.08762,0.07216,0,0,0,0.08762,0,0,0`);
    const t = shortSummary(s, [], [{ roce_failed: 0 }, { roce_failed: 40, setup_failed: 40 }]);
    expect(t.headers.map((h) => h.text)).toEqual([
      "profile",
      "runs",
      "link failed",
      "RoCE failed",
      "setup failed",
      "lost an interrupt",
      "mean drops",
      "drop window per run",
    ]);
    const [legacy, small] = t.rows;
    expect(legacy![2]).toMatchObject({ text: "15 (37.5%)", sub: "24.2% to 53%" });
    expect(small![2]).toMatchObject({ text: "0 (0%)", sub: "≤ 7.2%" });
    expect(small![3]).toMatchObject({ text: "40 (100%)" });
    expect(small![4]).toMatchObject({ text: "40 (100%)" });
    expect(legacy![7]).toMatchObject({ text: "690.5 ms median", sub: "p99 691.3 ms" });
    expect(t.notes).toEqual([
      "RoCE failed: the NIC is fine but RoCE did not initialise",
      "setup failed: the driver never got working vectors (its probe failed, or a vector could not be set up at the host, e.g. -ENOSPC from a full ITT)",
      "No run had a failed reset, a stalled queue or an incomplete run.",
    ]);
    // The loss chart reads its own columns; without failures there is no exact bound for it.
    const loss = failureData(s, [], LOSS);
    expect(loss[1]).toMatchObject({ failures: 0, high: 0.08762, label: "0/40 lost an interrupt" });
  });

  it("failure rate per grid point: only the points where some run failed get a panel", () => {
    const s =
      table(`window,profile,runs,link_failures,failure_rate,failure_ci95_low,failure_ci95_high
10us,legacy,10,0,0,0,0.28
10us,dyn,10,0,0,0,0.28
50us,legacy,10,3,0.3,0.1,0.6
50us,dyn,10,0,0,0,0.28`);
    const spec = failureFacetSpec(s, ["window"], ["legacy", "dyn"]) as {
      data: { values: Array<{ point: string }> };
      title: { subtitle: string[] };
    };
    expect([...new Set(spec.data.values.map((d) => d.point))]).toEqual(["window=50us"]);
    expect(spec.title.subtitle).toContain("no link failure (not drawn): window=10us");
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

describe("outcome breakdown", () => {
  it("stacks the fraction of runs in each outcome per profile; absent outcomes take no colour", async () => {
    const { outcomesSpec, hasOutcomes } = await import("../../src/plot/spec-outcomes.js");
    const summary =
      table(`profile,runs,outcome_ok,outcome_queue_stalled,outcome_roce_failed,outcome_link_failed,outcome_incomplete,outcome_reset_failed,outcome_setup_failed
legacy,10,7,0,0,1,0,2,0
dyn-small-itt,10,0,0,0,0,0,0,10`);
    expect(hasOutcomes(summary)).toBe(true);
    const spec = outcomesSpec(summary, ["legacy", "dyn-small-itt"]) as {
      data: { values: Array<Record<string, unknown>> };
      encoding: { color: { scale: { domain: string[] } } };
    };
    const v = spec.data.values.map((d) => [d.profile, d.outcome, d.fraction]);
    expect(v).toEqual([
      ["legacy", "ok", 0.7],
      ["legacy", "link_failed", 0.1],
      ["legacy", "reset_failed", 0.2],
      ["dyn-small-itt", "setup_failed", 1],
    ]);
    expect(spec.encoding.color.scale.domain).toEqual([
      "ok",
      "link_failed",
      "reset_failed",
      "setup_failed",
    ]);
  });
});
