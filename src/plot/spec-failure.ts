import type { TopLevelSpec } from "vega-lite";
import { numberAt, type Table } from "./read-results.js";
import { CONFIG, type Datum, pointLabel, profileColor, VL_SCHEMA, WIDTH } from "./spec-common.js";

/** A proportion of runs per profile with its 95% interval, as summary.csv has it. */
export interface RateMetric {
  title: string;
  /** The numerator: runs with the event. */
  count: string;
  rate: string;
  low: string;
  high: string;
  /** The exact one-sided upper bound used when the count is zero, when the summary has one. */
  exact: string | null;
  /** "15/40 failed". */
  verb: string;
  axis: string;
}

export const FAILURE: RateMetric = {
  title: "Link failure rate per profile",
  count: "link_failures",
  rate: "failure_rate",
  low: "failure_ci95_low",
  high: "failure_ci95_high",
  exact: "failure_upper95_exact",
  verb: "failed",
  axis: "failure rate (runs whose link failed)",
};

export const LOSS: RateMetric = {
  title: "Loss probability per profile",
  count: "runs_with_drops",
  rate: "drop_rate",
  low: "drop_rate_ci95_low",
  high: "drop_rate_ci95_high",
  exact: null,
  verb: "lost an interrupt",
  axis: "loss probability (runs with a dropped interrupt)",
};

/**
 * One row per summary row: the rate with its 95% interval. The interval is Wilson's, except
 * with a zero count, where it is [0, exact one-sided 95% upper bound] when the summary has it.
 */
export function failureData(
  summary: Table,
  gridColumns: readonly string[] = [],
  m: RateMetric = FAILURE,
): Datum[] {
  return summary.rows.map((row, i) => {
    const count = numberAt(summary, i, m.count) ?? 0;
    const runs = numberAt(summary, i, "runs") ?? 0;
    const exact =
      m.exact !== null && summary.columns.includes(m.exact) ? numberAt(summary, i, m.exact) : null;
    const useExact = count === 0 && exact !== null;
    return {
      ...(gridColumns.length > 0 ? { point: pointLabel(row, gridColumns) } : {}),
      profile: row["profile"]!,
      failures: count,
      runs,
      failure_rate: numberAt(summary, i, m.rate) ?? 0,
      low: useExact ? 0 : (numberAt(summary, i, m.low) ?? 0),
      high: useExact ? exact : (numberAt(summary, i, m.high) ?? 1),
      interval: useExact ? "exact one-sided 95% upper bound" : "Wilson 95% interval",
      label: `${count}/${runs} ${m.verb}`,
    };
  });
}

/** Whether any row of the summary counts an event of `m`. */
export function anyEvent(summary: Table, m: RateMetric = FAILURE): boolean {
  return summary.rows.some((_r, i) => (numberAt(summary, i, m.count) ?? 0) > 0);
}

function layers(profiles: readonly string[], m: RateMetric) {
  const y = { field: "profile", type: "nominal" as const, title: "profile", sort: [...profiles] };
  const x = {
    field: "failure_rate",
    type: "quantitative" as const,
    title: m.axis,
    scale: { domain: [0, 1] },
    // Every 20%: eleven labels crowd a narrow axis ("90%100%").
    axis: { format: ".0%", values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
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

function subtitle(m: RateMetric): string[] {
  return [
    `point: runs that ${m.verb} / runs; bar: Wilson 95% interval`,
    ...(m.exact !== null ? ["with none: from 0 to the exact one-sided 95% upper bound"] : []),
  ];
}

/** Batch folder: one row per profile. */
export function failureSpec(
  summary: Table,
  profiles: readonly string[],
  m: RateMetric = FAILURE,
): TopLevelSpec {
  return {
    $schema: VL_SCHEMA,
    title: { text: m.title, subtitle: subtitle(m) },
    config: CONFIG,
    width: WIDTH,
    height: { step: 28 },
    data: { values: failureData(summary, [], m) },
    layer: layers(profiles, m),
  };
}

/** Experiment folder: one panel per grid point. */
export function failureFacetSpec(
  summary: Table,
  gridColumns: readonly string[],
  profiles: readonly string[],
): TopLevelSpec {
  const all = failureData(summary, gridColumns);
  // A grid point where no run failed is named in the subtitle, not drawn as a panel of zeros.
  const failing = new Set(all.filter((d) => Number(d["failures"]) > 0).map((d) => d["point"]));
  const data = all.filter((d) => failing.has(d["point"]!));
  const points = [...new Set(data.map((d) => d["point"] as string))];
  const quiet = [...new Set(all.map((d) => d["point"] as string))].filter((p) => !failing.has(p));
  return {
    $schema: VL_SCHEMA,
    title: {
      text: "Link failure rate per profile, per grid point",
      subtitle: [
        ...subtitle(FAILURE),
        ...(quiet.length > 0 ? [`no link failure (not drawn): ${quiet.join("; ")}`] : []),
      ],
    },
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
    spec: { width: WIDTH, height: { step: 24 }, layer: layers(profiles, FAILURE) },
  };
}
