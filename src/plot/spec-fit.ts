/**
 * The charts of `msix-sim fit`. One parameter: the simulated rate against the parameter with its
 * 95% interval as a band, the observed interval as a horizontal band, the consistent range shaded
 * and the estimate as a rule. Two parameters: a consistency map (every evaluated pair, coloured by
 * its rate, ringed when consistent). Durations are drawn in one time unit.
 */
import type { TopLevelSpec } from "vega-lite";
import { CONFIG, type Datum, VL_SCHEMA, WIDTH } from "./spec-common.js";
import { chooseTimeUnit, inUnit, type TimeUnit } from "./units.js";

export interface FitAxisSpec {
  name: string;
  log: boolean;
  duration: boolean;
  lo: number;
  hi: number;
}

export interface FitPointDatum {
  values: number[];
  rate: number;
  low: number;
  high: number;
  consistent: boolean;
}

export interface FitCurveInput {
  axis: FitAxisSpec;
  points: FitPointDatum[];
  observed: { k: number; n: number; low: number; high: number };
  /** The metric in words, for the y axis: "runs whose link failed for good". */
  metricDefinition: string;
  estimate: number | null;
  low: number | null;
  high: number | null;
  subtitle: string[];
}

/** How a parameter's values are drawn: durations in one time unit, others as they are. */
function scaleOf(
  axis: FitAxisSpec,
  values: readonly number[],
): { unit: TimeUnit | null; title: string } {
  if (!axis.duration) return { unit: null, title: axis.name };
  const unit = chooseTimeUnit(values);
  return { unit, title: `${axis.name} (${unit.label})` };
}

const inAxis = (unit: TimeUnit | null, x: number) => (unit === null ? x : inUnit(x, unit));

export function fitCurveSpec(f: FitCurveInput): TopLevelSpec {
  const { unit, title } = scaleOf(
    f.axis,
    f.points.map((p) => p.values[0]!),
  );
  const x = (v: number) => inAxis(unit, v);
  const data: Datum[] = f.points.map((p) => ({
    x: x(p.values[0]!),
    rate: p.rate,
    low: p.low,
    high: p.high,
    consistent: p.consistent ? "consistent" : "not consistent",
  }));
  const xScale = {
    type: f.axis.log ? ("log" as const) : ("linear" as const),
    domain: [x(f.axis.lo), x(f.axis.hi)],
    nice: false,
  };
  const xEnc = { field: "x", type: "quantitative" as const, title, scale: xScale };
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>["layer"]> = [
    {
      data: { values: [{ low: f.observed.low, high: f.observed.high }] },
      mark: { type: "rect", color: "#e45756", opacity: 0.15 },
      encoding: {
        y: { field: "low", type: "quantitative" },
        y2: { field: "high" },
      },
    },
  ];
  if (f.low !== null && f.high !== null) {
    layers.push({
      data: { values: [{ low: x(f.low), high: x(f.high) }] },
      mark: { type: "rect", color: "#54a24b", opacity: 0.15 },
      encoding: {
        x: { field: "low", type: "quantitative", scale: xScale },
        x2: { field: "high" },
      },
    });
  }
  layers.push(
    {
      data: { values: data },
      mark: { type: "area", color: "#4c78a8", opacity: 0.25 },
      encoding: { x: xEnc, y: { field: "low", type: "quantitative" }, y2: { field: "high" } },
    },
    {
      data: { values: data },
      mark: { type: "line", color: "#4c78a8" },
      encoding: { x: xEnc, y: { field: "rate", type: "quantitative" } },
    },
    {
      data: { values: data },
      mark: { type: "point", filled: true, size: 40 },
      encoding: {
        x: xEnc,
        y: { field: "rate", type: "quantitative" },
        color: {
          field: "consistent",
          type: "nominal",
          title: "point",
          scale: { domain: ["consistent", "not consistent"], range: ["#54a24b", "#888"] },
        },
      },
    },
  );
  if (f.estimate !== null) {
    layers.push({
      data: { values: [{ x: x(f.estimate) }] },
      mark: { type: "rule", color: "#e45756", strokeDash: [4, 3] },
      encoding: { x: { field: "x", type: "quantitative", scale: xScale } },
    });
  }
  return {
    $schema: VL_SCHEMA,
    config: CONFIG,
    title: {
      text: `Simulated rate against ${f.axis.name}, observed ${f.observed.k}/${f.observed.n}`,
      subtitle: f.subtitle,
    },
    width: WIDTH,
    height: 300,
    encoding: {
      y: {
        type: "quantitative",
        title: `${f.metricDefinition}, 95% interval`,
        axis: { format: "%" },
        scale: { domain: [0, 1] },
      },
    },
    layer: layers,
    resolve: { scale: { x: "shared", y: "shared" } },
  } as TopLevelSpec;
}

export interface FitMapInput {
  axes: [FitAxisSpec, FitAxisSpec];
  points: FitPointDatum[];
  observed: { k: number; n: number };
  metricDefinition: string;
  subtitle: string[];
}

export function fitMapSpec(f: FitMapInput): TopLevelSpec {
  const sx = scaleOf(
    f.axes[0],
    f.points.map((p) => p.values[0]!),
  );
  const sy = scaleOf(
    f.axes[1],
    f.points.map((p) => p.values[1]!),
  );
  const data: Datum[] = f.points.map((p) => ({
    x: inAxis(sx.unit, p.values[0]!),
    y: inAxis(sy.unit, p.values[1]!),
    rate: p.rate,
    consistent: p.consistent ? "consistent" : "not consistent",
  }));
  const scale = (a: FitAxisSpec, unit: TimeUnit | null) => ({
    type: a.log ? ("log" as const) : ("linear" as const),
    domain: [inAxis(unit, a.lo), inAxis(unit, a.hi)],
    nice: false,
    padding: 12,
  });
  const enc = {
    x: {
      field: "x",
      type: "quantitative" as const,
      title: sx.title,
      scale: scale(f.axes[0], sx.unit),
    },
    y: {
      field: "y",
      type: "quantitative" as const,
      title: sy.title,
      scale: scale(f.axes[1], sy.unit),
    },
  };
  return {
    $schema: VL_SCHEMA,
    config: CONFIG,
    title: {
      text: `Consistency map, observed ${f.observed.k}/${f.observed.n}`,
      subtitle: f.subtitle,
    },
    width: WIDTH,
    height: WIDTH * 0.75,
    data: { values: data },
    layer: [
      {
        mark: { type: "square", size: 500, opacity: 0.9 },
        encoding: {
          ...enc,
          color: {
            field: "rate",
            type: "quantitative",
            title: f.metricDefinition,
            scale: { scheme: "blues", domain: [0, 1] },
            legend: { format: "%" },
          },
        },
      },
      {
        mark: { type: "point", size: 160, strokeWidth: 2, filled: false },
        encoding: {
          ...enc,
          stroke: {
            field: "consistent",
            type: "nominal",
            title: "pair",
            scale: { domain: ["consistent", "not consistent"], range: ["#e45756", "transparent"] },
          },
        },
      },
    ],
  } as TopLevelSpec;
}
