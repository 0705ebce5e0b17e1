import type { TopLevelSpec } from "vega-lite";
import { OUTCOMES } from "../guest/outcome.js";
import { numberAt, type Table } from "./read-results.js";
import { CONFIG, type Datum, pointLabel, VL_SCHEMA, WIDTH } from "./spec-common.js";

/** Outcomes in the order they are stacked and listed: ok first, the worst last. */
const ORDER = [...OUTCOMES];
/** ok green; the others from mild to severe. */
const COLORS = ["#4caf50", "#ffd54f", "#ffb74d", "#ff8a65", "#90a4ae", "#e53935", "#6a1b9a"];

/** Whether summary.csv has the outcome breakdown (outcome_<name> columns). */
export function hasOutcomes(summary: Table): boolean {
  return summary.columns.includes("outcome_ok");
}

function outcomeData(summary: Table, gridColumns: readonly string[]): Datum[] {
  const out: Datum[] = [];
  summary.rows.forEach((row, i) => {
    const runs = numberAt(summary, i, "runs") ?? 0;
    for (const o of ORDER) {
      const n = numberAt(summary, i, `outcome_${o}`) ?? 0;
      if (n === 0) continue;
      out.push({
        ...(gridColumns.length > 0 ? { point: pointLabel(row, gridColumns) } : {}),
        profile: row["profile"]!,
        outcome: o,
        order: ORDER.indexOf(o),
        runs: n,
        fraction: runs > 0 ? n / runs : 0,
        label: `${n}/${runs}`,
      });
    }
  });
  return out;
}

/**
 * How every run ended, per profile (and per grid point for an experiment): a stacked bar of
 * the fraction of runs in each outcome. A profile whose driver never came up shows as
 * setup_failed, not as an empty "0 failures".
 */
export function outcomesSpec(
  summary: Table,
  profiles: readonly string[],
  gridColumns: readonly string[] = [],
): TopLevelSpec {
  const data = outcomeData(summary, gridColumns);
  const present = ORDER.filter((o) => data.some((d) => d["outcome"] === o));
  const bar = {
    width: WIDTH,
    height: { step: 22 },
    mark: { type: "bar" as const, tooltip: true },
    encoding: {
      y: { field: "profile", type: "nominal" as const, title: null, sort: [...profiles] },
      x: {
        field: "fraction",
        type: "quantitative" as const,
        title: "fraction of runs",
        stack: "zero" as const,
        scale: { domain: [0, 1] },
        axis: { format: "%", values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
      },
      color: {
        field: "outcome",
        type: "nominal" as const,
        title: "outcome",
        scale: { domain: present, range: present.map((o) => COLORS[ORDER.indexOf(o)]!) },
        sort: present,
      },
      order: { field: "order", type: "quantitative" as const },
      tooltip: [
        { field: "profile", type: "nominal" as const },
        { field: "outcome", type: "nominal" as const },
        { field: "label", type: "nominal" as const, title: "runs" },
      ],
    },
  };
  const title = {
    text: gridColumns.length > 0 ? "Outcome of every run, per grid point" : "Outcome of every run",
    subtitle: [
      "ok, queue_stalled (link up, a queue dead), roce_failed, link_failed, incomplete (ended mid-recovery), reset_failed, setup_failed (no working vectors)",
    ],
  };
  if (gridColumns.length === 0) {
    return { $schema: VL_SCHEMA, title, config: CONFIG, data: { values: data }, ...bar };
  }
  const points = [...new Set(data.map((d) => d["point"] as string))];
  return {
    $schema: VL_SCHEMA,
    title,
    config: CONFIG,
    data: { values: data },
    facet: {
      row: {
        field: "point",
        type: "nominal",
        title: null,
        sort: points,
        header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top" },
      },
    },
    spec: bar,
  };
}
