import type { TopLevelSpec } from "vega-lite";
import { numberAt, type Table } from "./read-results.js";
import { CONFIG, type Datum, pointLabel, profileColor, VL_SCHEMA, WIDTH } from "./spec-common.js";

/** The swept parameter on the x axis, and the other varying grid columns (one panel column each). */
export interface SweepAxes {
  x: string;
  numeric: boolean;
  log: boolean;
  /** x values in grid order (for a non-numeric axis). */
  order: string[];
  /** Other grid columns that vary; their values label the panel columns. */
  others: string[];
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** x: the first grid column that takes more than one value (else the first one). */
export function sweepAxes(summary: Table, gridColumns: readonly string[]): SweepAxes {
  const valuesOf = (c: string) => distinct(summary.rows.map((r) => r[c] ?? ""));
  const varying = gridColumns.filter((c) => valuesOf(c).length > 1);
  const x = varying[0] ?? gridColumns[0]!;
  const order = valuesOf(x);
  const nums = order.map((v) => (v.trim() === "" ? Number.NaN : Number(v)));
  const numeric = nums.every((v) => Number.isFinite(v));
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  return {
    x,
    numeric,
    log: numeric && min > 0 && max / min >= 20,
    order,
    others: varying.filter((c) => c !== x),
  };
}

interface Metric {
  value: string;
  low: string;
  high: string;
  expected: string | null;
  title: string;
}

const METRICS: Metric[] = [
  {
    value: "drop_rate",
    low: "drop_rate_ci95_low",
    high: "drop_rate_ci95_high",
    expected: "expected_drop_rate",
    title: "loss probability (runs with a dropped interrupt)",
  },
  {
    value: "failure_rate",
    low: "failure_ci95_low",
    high: "failure_ci95_high",
    expected: null,
    title: "failure probability (link failed)",
  },
  {
    value: "reset_rate",
    low: "reset_rate_ci95_low",
    high: "reset_rate_ci95_high",
    expected: null,
    title: "port reset probability (runs with a reset)",
  },
];

/**
 * The expected value of a row, when the summary has one and it applies to the row's profile:
 * with expected_within_ci95, rows where that check is empty (dyn: no teardown) get none.
 */
function expectedAt(summary: Table, i: number, m: Metric): number | null {
  if (m.expected === null || !summary.columns.includes(m.expected)) return null;
  const within = summary.columns.includes("expected_within_ci95");
  if (within && (summary.rows[i]!["expected_within_ci95"] ?? "") === "") return null;
  return numberAt(summary, i, m.expected);
}

function metricData(summary: Table, axes: SweepAxes, m: Metric): Datum[] {
  const hasExpected = m.expected !== null && summary.columns.includes(m.expected);
  return summary.rows.map((row, i) => ({
    profile: row["profile"]!,
    x: axes.numeric ? Number(row[axes.x]) : (row[axes.x] ?? ""),
    ...(axes.others.length > 0 ? { panel: pointLabel(row, axes.others) } : {}),
    value: numberAt(summary, i, m.value),
    low: numberAt(summary, i, m.low),
    high: numberAt(summary, i, m.high),
    ...(hasExpected ? { expected: expectedAt(summary, i, m) } : {}),
  }));
}

function panel(summary: Table, axes: SweepAxes, m: Metric, profiles: readonly string[]) {
  const data = metricData(summary, axes, m);
  const x = axes.numeric
    ? {
        field: "x",
        type: "quantitative" as const,
        title: axes.log ? `${axes.x} (log scale)` : axes.x,
        scale: {
          type: axes.log ? ("log" as const) : ("linear" as const),
          nice: false,
          padding: 16,
        },
        // Ticks at the grid values (vega drops overlapping labels).
        axis: { format: "~g", values: axes.order.map(Number) },
      }
    : { field: "x", type: "ordinal" as const, title: axes.x, sort: axes.order };
  const y = {
    field: "value",
    type: "quantitative" as const,
    title: m.title,
    scale: { domain: [0, 1] },
  };
  // Opaque legend symbols: the band layer would otherwise make them pale.
  const color = { ...profileColor(profiles), legend: { symbolOpacity: 1 } };
  const band = {
    mark: { type: "area" as const, opacity: 0.15 },
    encoding: {
      x,
      y: { ...y, field: "low" },
      y2: { field: "high" },
      color,
    },
  };
  const line = { mark: { type: "line" as const, strokeWidth: 2 }, encoding: { x, y, color } };
  const points = {
    mark: { type: "point" as const, filled: true, size: 50, opacity: 1 },
    encoding: { x, y, color },
  };
  const expected = {
    transform: [{ filter: "isValid(datum.expected)" }],
    mark: { type: "line" as const, strokeDash: [5, 4], strokeWidth: 1.5 },
    encoding: { x, y: { ...y, field: "expected" }, color },
  };
  const hasExpected = data.some((d) => d["expected"] !== undefined && d["expected"] !== null);
  const layer = hasExpected ? [band, line, points, expected] : [band, line, points];
  if (axes.others.length === 0) {
    return { data: { values: data }, width: WIDTH, height: 220, layer };
  }
  const panels = distinct(data.map((d) => d["panel"] as string));
  return {
    data: { values: data },
    facet: { column: { field: "panel", type: "nominal" as const, title: null, sort: panels } },
    spec: { width: Math.round(WIDTH / Math.min(panels.length, 3)), height: 220, layer },
  };
}

/** Experiment folder: loss and failure probability against the swept parameter, per profile. */
export function sweepSpec(
  summary: Table,
  gridColumns: readonly string[],
  profiles: readonly string[],
): TopLevelSpec {
  const axes = sweepAxes(summary, gridColumns);
  const expected = summary.columns.includes("expected_drop_rate");
  const subtitle = [
    "line: observed rate; band: 95% Wilson interval (ci95 low to high)",
    ...(expected ? ["dashed: expected drop rate (closed form), where it applies"] : []),
    ...(axes.others.length > 0 ? [`one panel per ${axes.others.join(", ")}`] : []),
  ];
  return {
    $schema: VL_SCHEMA,
    title: { text: `Loss, failure and port-reset probability against ${axes.x}`, subtitle },
    config: CONFIG,
    vconcat: METRICS.filter((m) => summary.columns.includes(m.value)).map((m) =>
      panel(summary, axes, m, profiles),
    ),
    resolve: { scale: { color: "shared" } },
  };
}
