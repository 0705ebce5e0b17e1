/**
 * What a run counts as, for commands that estimate one rate (sensitivity, fit, batches that stop
 * at a target precision): each metric reads one runs.csv row by column name (rows in memory, or
 * strings from a file) and says 1 or 0.
 */
export const METRIC_NAMES = ["link_failed", "drops", "port_reset", "not_ok"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface RunMetric {
  name: MetricName;
  /** The runs.csv column it reads. */
  column: string;
  /** "a link failure": for "no run had ...". */
  noun: string;
  definition: string;
  of(row: Readonly<Record<string, unknown>>): 0 | 1;
}

const positive = (v: unknown): 0 | 1 => (Number(v) > 0 ? 1 : 0);

export const METRICS: Readonly<Record<MetricName, RunMetric>> = {
  link_failed: {
    name: "link_failed",
    column: "link_failed",
    noun: "a link failure",
    definition: "the link is down for good (outcome link_failed or reset_failed)",
    of: (r) => positive(r.link_failed),
  },
  drops: {
    name: "drops",
    column: "irq_dropped",
    noun: "a dropped interrupt",
    definition: "at least one interrupt was dropped",
    of: (r) => positive(r.irq_dropped),
  },
  port_reset: {
    name: "port_reset",
    column: "port_resets",
    noun: "a port reset",
    definition: "the driver started at least one reset itself (a TX timeout, a reset interrupt)",
    of: (r) => positive(r.port_resets),
  },
  not_ok: {
    name: "not_ok",
    column: "outcome",
    noun: "a run that did not end ok",
    definition: "the run's outcome is anything but ok",
    of: (r) => (String(r.outcome) === "ok" ? 0 : 1),
  },
};
