/**
 * The per-run events whose rate `fit` and `sensitivity` estimate, each defined once, from a
 * runs.csv row read by column name (a row of a batch in memory, or of a runs.csv file as strings).
 * Each is 0 or 1 per run, so its rate over runs is a binomial proportion.
 */
export interface RunMetric {
  name: MetricName;
  /** The runs.csv column it reads. */
  column: string;
  /** "link failure": for titles and sentences. */
  noun: string;
  /** "runs whose link failed": for axis titles and the CSV documentation. */
  definition: string;
  /** 1 when the run counts, else 0. */
  of(row: Readonly<Record<string, unknown>>): 0 | 1;
}

export const METRIC_NAMES = ["link_failed", "drops", "port_reset", "not_ok"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const num = (v: unknown): number => (v === null || v === undefined || v === "" ? 0 : Number(v));

export const METRICS: Readonly<Record<MetricName, RunMetric>> = {
  link_failed: {
    name: "link_failed",
    column: "link_failed",
    noun: "link failure",
    definition: "runs whose link failed for good (link_failed = 1)",
    of: (r) => (num(r["link_failed"]) === 1 ? 1 : 0),
  },
  drops: {
    name: "drops",
    column: "irq_dropped",
    noun: "interrupt loss",
    definition: "runs that dropped an interrupt (irq_dropped > 0)",
    of: (r) => (num(r["irq_dropped"]) > 0 ? 1 : 0),
  },
  port_reset: {
    name: "port_reset",
    column: "port_resets",
    noun: "port reset",
    definition: "runs where the driver reset the port itself (port_resets > 0)",
    of: (r) => (num(r["port_resets"]) > 0 ? 1 : 0),
  },
  not_ok: {
    name: "not_ok",
    column: "outcome",
    noun: "failure of any kind",
    definition: "runs whose outcome is not ok (outcome != ok)",
    of: (r) => (String(r["outcome"] ?? "") === "ok" ? 0 : 1),
  },
};

/** The metric named by a --metric option, or null when there is none of that name. */
export function metricByName(name: string): RunMetric | null {
  return (METRIC_NAMES as readonly string[]).includes(name) ? METRICS[name as MetricName] : null;
}
