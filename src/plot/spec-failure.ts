import type { TopLevelSpec } from "vega-lite";
import { numberAt, type Table } from "./read-results.js";
import { CONFIG, type Datum, pointLabel, profileColor, VL_SCHEMA, WIDTH } from "./spec-common.js";

/**
 * One row per summary row: the failure rate with its 95% interval. The interval is Wilson's,
 * except with zero failures, where it is [0, exact one-sided 95% upper bound] when the summary
 * has failure_upper95_exact.
 */
export function failureData(summary: Table, gridColumns: readonly string[] = []): Datum[] {
  return summary.rows.map((row, i) => {
    const failures = numberAt(summary, i, "link_failures") ?? 0;
    const runs = numberAt(summary, i, "runs") ?? 0;
    const exact = summary.columns.includes("failure_upper95_exact")
      ? numberAt(summary, i, "failure_upper95_exact")
      : null;
    const useExact = failures === 0 && exact !== null;
    return {
      ...(gridColumns.length > 0 ? { point: pointLabel(row, gridColumns) } : {}),
      profile: row["profile"]!,
      failures,
      runs,
      failure_rate: numberAt(summary, i, "failure_rate") ?? 0,
      low: useExact ? 0 : (numberAt(summary, i, "failure_ci95_low") ?? 0),
      high: useExact ? exact : (numberAt(summary, i, "failure_ci95_high") ?? 1),
      interval: useExact ? "exact one-sided 95% upper bound" : "Wilson 95% interval",
      label: `${failures}/${runs} failed`,
    };
  });
}

function layers(profiles: readonly string[]) {
  const y = { field: "profile", type: "nominal" as const, title: "profile", sort: [...profiles] };
  const x = {
    field: "failure_rate",
    type: "quantitative" as const,
    title: "failure rate (link failed)",
    scale: { domain: [0, 1] },
    axis: { format: ".0%" },
  };
  return [
    {
      mark: { type: "errorbar" as const, ticks: { size: 8 }, thickness: 1.5 },
      encoding: {
        y,
        x: { ...x, field: "low" },
        x2: { field: "high" },
        color: profileColor(profiles, false),
      },
    },
    {
      mark: { type: "point" as const, filled: true, size: 70, opacity: 1 },
      encoding: { y, x, color: profileColor(profiles, false) },
    },
    {
      mark: { type: "text" as const, align: "left" as const, dx: 8, fontSize: 11, color: "#333" },
      encoding: {
        y,
        x: { field: "high", type: "quantitative" as const },
        text: { field: "label" },
      },
    },
  ];
}

const SUBTITLE = [
  "point: failures / runs; bar: Wilson 95% interval",
  "with zero failures: from 0 to the exact one-sided 95% upper bound",
];

/** Batch folder: one row per profile. */
export function failureSpec(summary: Table, profiles: readonly string[]): TopLevelSpec {
  return {
    $schema: VL_SCHEMA,
    title: { text: "Link failure rate per profile", subtitle: SUBTITLE },
    config: CONFIG,
    width: WIDTH,
    height: { step: 28 },
    data: { values: failureData(summary) },
    layer: layers(profiles),
  };
}

/** Experiment folder: one panel per grid point. */
export function failureFacetSpec(
  summary: Table,
  gridColumns: readonly string[],
  profiles: readonly string[],
): TopLevelSpec {
  const data = failureData(summary, gridColumns);
  const points = [...new Set(data.map((d) => d["point"] as string))];
  return {
    $schema: VL_SCHEMA,
    title: { text: "Link failure rate per profile, per grid point", subtitle: SUBTITLE },
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
    spec: { width: WIDTH, height: { step: 24 }, layer: layers(profiles) },
  };
}
