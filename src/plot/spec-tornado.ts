import type { TopLevelSpec } from "vega-lite";
import { CONFIG, type Datum, VL_SCHEMA, WIDTH } from "./spec-common.js";

/** One bar of a tornado chart: an assumption at one end of its range. */
export interface TornadoBar {
  /** The assumption, as the y label ("mailboxResponse"). */
  parameter: string;
  /** "low" or "high" (a switch has only "high": its alternative). */
  end: "low" | "high";
  /** "x0.25", "true", "8": the value at that end. */
  value: string;
  effect: number;
  low: number;
  high: number;
}

/**
 * A tornado chart: for each assumption (ranked, largest effect on top) a bar from 0 to the
 * effect of its low end and one to the effect of its high end, each with its 95% interval, on
 * a shared axis of the change in the metric's rate against the baseline.
 */
export function tornadoSpec(
  bars: readonly TornadoBar[],
  order: readonly string[],
  metricAxis: string,
  subtitle: readonly string[],
): TopLevelSpec {
  const data: Datum[] = bars.map((b) => ({
    parameter: b.parameter,
    end: b.end,
    value: b.value,
    effect: b.effect,
    low: b.low,
    high: b.high,
    label: `${b.value}: ${b.effect >= 0 ? "+" : ""}${(b.effect * 100).toFixed(1)} pp`,
    zero: 0,
  }));
  const y = { field: "parameter", type: "nominal" as const, title: null, sort: [...order] };
  const yOffset = { field: "end", type: "nominal" as const, sort: ["low", "high"] };
  const color = {
    field: "end",
    type: "nominal" as const,
    title: "end of the range",
    scale: { domain: ["low", "high"], range: ["#4c78a8", "#e45756"] },
  };
  const x = {
    field: "effect",
    type: "quantitative" as const,
    title: metricAxis,
    scale: { domain: [-1, 1] },
    axis: { format: "+.0%", values: [-1, -0.5, 0, 0.5, 1] },
  };
  return {
    $schema: VL_SCHEMA,
    title: { text: "Which assumption matters", subtitle: [...subtitle] },
    config: CONFIG,
    width: WIDTH,
    height: { step: 12 },
    data: { values: data },
    encoding: { y, yOffset },
    layer: [
      {
        mark: { type: "bar", height: { band: 0.9 } },
        encoding: { x, x2: { field: "zero" }, color },
      },
      {
        mark: { type: "rule", color: "#333" },
        encoding: { x: { field: "low", type: "quantitative" }, x2: { field: "high" } },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 10, color: "#333" },
        encoding: { x: { field: "high", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  } as TopLevelSpec;
}
