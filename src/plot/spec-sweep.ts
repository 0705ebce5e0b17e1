import type { TopLevelSpec } from "vega-lite";
import { parseDuration } from "../engine/index.js";
import { numberAt, type Table } from "./read-results.js";
import {
  CONFIG,
  type Datum,
  HIDDEN,
  identicalSeries,
  listText,
  pointLabel,
  profileColor,
  VL_SCHEMA,
  WIDTH,
} from "./spec-common.js";
import { chooseTimeUnit, inUnit } from "./units.js";

/** The swept parameter on the x axis, and the other varying grid columns (one panel column each). */
export interface SweepAxes {
  x: string;
  numeric: boolean;
  log: boolean;
  /** x values in grid order (for a non-numeric axis). */
  order: string[];
  /** Other grid columns that vary; their values label the panel columns. */
  others: string[];
  /** The axis unit: "per second" for a rate, a time unit for durations such as "50us", or null. */
  unit: string | null;
  /** Durations: the grid values in `unit` (ns per unit). */
  scale: number;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** "50us", "1.5 ms": a duration written with its unit (a bare number is not one). */
const DURATION = /^\s*\d+(\.\d+)?\s*(ns|us|µs|ms|s)\s*$/;

/** x: the first grid column that takes more than one value (else the first one). */
export function sweepAxes(summary: Table, gridColumns: readonly string[]): SweepAxes {
  const valuesOf = (c: string) => distinct(summary.rows.map((r) => r[c] ?? ""));
  const varying = gridColumns.filter((c) => valuesOf(c).length > 1);
  const x = varying[0] ?? gridColumns[0]!;
  const order = valuesOf(x);
  let unit: string | null = null;
  let scale = 1;
  let nums = order.map((v) => (v.trim() === "" ? Number.NaN : Number(v)));
  if (order.length > 0 && order.every((v) => DURATION.test(v))) {
    // Grid values such as 10us: durations, drawn on a time axis in one unit.
    const ns = order.map((v) => parseDuration(v.replace("µs", "us").replace(/\s+/g, "")));
    const u = chooseTimeUnit(ns);
    unit = u.label;
    scale = u.ns;
    nums = ns.map((v) => v / u.ns);
  } else if (/(^|_)rate$/.test(x.replace(/^set:/, "").split(".").pop() ?? "")) {
    unit = "per second";
  }
  const numeric = nums.every((v) => Number.isFinite(v));
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  return {
    x,
    numeric,
    log: numeric && min > 0 && max / min >= 20,
    order,
    others: varying.filter((c) => c !== x),
    unit: numeric || unit === null ? unit : null,
    scale,
  };
}

/** The x value of a grid cell: a number in the axis unit, or the text. */
function xValue(axes: SweepAxes, v: string): number | string {
  if (!axes.numeric) return v;
  if (axes.scale !== 1)
    return inUnit(parseDuration(v.replace("µs", "us").replace(/\s+/g, "")), {
      label: "ns",
      ns: axes.scale,
    });
  return Number(v);
}

interface Metric {
  /** "loss", "failure", "port reset": for titles and notes. */
  short: string;
  value: string;
  low: string;
  high: string;
  expected: string | null;
  title: string;
}

const METRICS: Metric[] = [
  {
    short: "loss",
    value: "drop_rate",
    low: "drop_rate_ci95_low",
    high: "drop_rate_ci95_high",
    expected: "expected_drop_rate",
    title: "loss probability (runs with a dropped interrupt)",
  },
  {
    short: "link failure",
    value: "failure_rate",
    low: "failure_ci95_low",
    high: "failure_ci95_high",
    expected: null,
    title: "failure probability (link failed)",
  },
  {
    short: "port reset",
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
    x: xValue(axes, row[axes.x] ?? ""),
    ...(axes.others.length > 0 ? { panel: pointLabel(row, axes.others) } : {}),
    value: numberAt(summary, i, m.value),
    low: numberAt(summary, i, m.low),
    high: numberAt(summary, i, m.high),
    ...(hasExpected ? { expected: expectedAt(summary, i, m) } : {}),
  }));
}

function panel(summary: Table, axes: SweepAxes, m: Metric, profiles: readonly string[]) {
  const data = metricData(summary, axes, m);
  const notes = [...(axes.unit !== null ? [axes.unit] : []), ...(axes.log ? ["log scale"] : [])];
  const x = axes.numeric
    ? {
        field: "x",
        type: "quantitative" as const,
        title: notes.length > 0 ? `${axes.x} (${notes.join(", ")})` : axes.x,
        scale: {
          type: axes.log ? ("log" as const) : ("linear" as const),
          nice: false,
          padding: 16,
        },
        // Ticks at the grid values (vega drops overlapping labels).
        axis: { format: "~g", values: axes.order.map((v) => xValue(axes, v) as number) },
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

/** A metric is worth a panel when some row has a non-zero value or interval. */
function drawn(summary: Table, m: Metric): boolean {
  return summary.rows.some((_r, i) => (numberAt(summary, i, m.value) ?? 0) > 0);
}

/** Experiment folder: loss and failure probability against the swept parameter, per profile. */
export function sweepSpec(
  summary: Table,
  gridColumns: readonly string[],
  profiles: readonly string[],
): TopLevelSpec {
  const axes = sweepAxes(summary, gridColumns);
  const expected = summary.columns.includes("expected_drop_rate");
  const present = METRICS.filter((m) => summary.columns.includes(m.value));
  // A panel that is zero everywhere says nothing a line of text does not.
  let shown = present.filter((m) => drawn(summary, m));
  if (shown.length === 0) shown = present.slice(0, 1);
  const zero = present.filter((m) => !shown.includes(m)).map((m) => m.short);
  const same = new Map<string, string[]>();
  for (const m of shown) {
    const rows = metricData(summary, axes, m).map(({ low: _l, high: _h, ...r }) => r);
    for (const g of identicalSeries(rows, profiles, HIDDEN)) {
      const k = `${listText(g.profiles)}: ${g.exact ? "identical values" : "indistinguishable"}`;
      same.set(k, [...(same.get(k) ?? []), m.short]);
    }
  }
  const subtitle = [
    "line: observed rate; band: 95% Wilson interval (ci95 low to high)",
    ...(expected ? ["dashed: expected drop rate (closed form), where it applies"] : []),
    ...(axes.others.length > 0 ? [`one panel per ${axes.others.join(", ")}`] : []),
    ...(zero.length > 0
      ? [`${listText(zero)}: 0 at every point for every profile (not drawn)`]
      : []),
    ...[...same].map(([g, ms]) => `${g} (${listText(ms)}): one line hides the other`),
  ];
  return {
    $schema: VL_SCHEMA,
    title: {
      text: `${listText(shown.map((m) => m.short)).replace(/^./, (c) => c.toUpperCase())} probability against ${axes.x}`,
      subtitle,
    },
    config: CONFIG,
    vconcat: shown.map((m) => panel(summary, axes, m, profiles)),
    resolve: { scale: { color: "shared" } },
  };
}
