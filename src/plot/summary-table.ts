import { OUTCOME_KINDS } from "../analysis/outcomes.js";
import { numberAt, type Table } from "./read-results.js";
import { formatNs, formatNumber } from "./units.js";

/** A cell of the report's summary table: its text (a second line in `sub`), and a tooltip. */
export interface Cell {
  text: string;
  sub?: string;
  numeric: boolean;
  title?: string;
}

export interface ShortTable {
  headers: Array<{ text: string; title: string }>;
  rows: Cell[][];
  /** Definitions of the outcome columns shown. */
  notes: string[];
}

/** Runs per outcome (link_failed, roce_failed...) for each summary row, when known. */
export type RowOutcomes = Array<Record<string, number> | null>;

/** "37.5%", "0.03%", "100%", "0%": a proportion for reading. */
export function percent(x: number | null): string {
  if (x === null) return "-";
  if (x === 0) return "0%";
  const p = x * 100;
  return `${Number(p.toPrecision(p >= 10 ? 3 : 2))}%`;
}

interface Column {
  header: string;
  title: string;
  needs: string[];
  cell: (i: number) => Cell;
}

/**
 * The summary as a table people can read: one row per summary row, a few columns with plain
 * headers (counts with their rate, intervals under them, durations in units), read from
 * summary.csv by column name; columns whose source is missing are left out. The full CSV stays
 * linked from the report.
 */
export function shortSummary(
  summary: Table,
  gridColumns: readonly string[],
  outcomes: RowOutcomes | null,
  /** The outcomes come from an `outcome` column (not the older columns): every kind is known. */
  outcomeColumn = true,
): ShortTable {
  const num = (i: number, c: string) => numberAt(summary, i, c);
  const text = (i: number, c: string) => summary.rows[i]?.[c] ?? "";
  const interval = (i: number, low: string, high: string, exact?: string): string => {
    const e = exact !== undefined && summary.columns.includes(exact) ? num(i, exact) : null;
    if (e !== null) return `≤ ${percent(e)}`;
    return `${percent(num(i, low))} to ${percent(num(i, high))}`;
  };
  const count =
    (n: string, rate: string, low: string, high: string, exact?: string) => (i: number) => ({
      text: `${num(i, n) ?? "-"} (${percent(num(i, rate))})`,
      sub: interval(i, low, high, exact),
      numeric: true,
      title: `${exact !== undefined && num(i, n) === 0 ? "exact one-sided 95% upper bound" : "Wilson 95% interval"}: ${interval(i, low, high, exact)}`,
    });
  const columns: Column[] = [
    ...gridColumns.map((c) => ({
      // A rate's unit in its header; durations carry theirs ("50us").
      header: /(^|_)rate$/.test(c.split(".").pop() ?? "") ? `${c} (/s)` : c,
      title: `grid: ${c}`,
      needs: [c],
      cell: (i: number) => ({ text: text(i, c), numeric: false }),
    })),
    {
      header: "profile",
      title: "host/QEMU behaviour profile",
      needs: ["profile"],
      cell: (i) => ({ text: text(i, "profile"), numeric: false }),
    },
    {
      header: "runs",
      title: "runs (seeds) under this profile",
      needs: ["runs"],
      cell: (i) => ({ text: String(num(i, "runs") ?? "-"), numeric: true }),
    },
    {
      header: "link failed",
      title: "runs whose port's link was down at the end, with the 95% interval",
      needs: ["link_failures", "failure_rate", "failure_ci95_low", "failure_ci95_high"],
      cell: count(
        "link_failures",
        "failure_rate",
        "failure_ci95_low",
        "failure_ci95_high",
        "failure_upper95_exact",
      ),
    },
  ];
  const none: string[] = [];
  if (outcomes !== null) {
    // An outcome no run had is a line of text, not a column of zeros.
    const shown = OUTCOME_KINDS.filter(
      (k) => k.key !== "link_failed" && outcomes.some((o) => (o?.[k.key] ?? 0) > 0),
    );
    for (const k of OUTCOME_KINDS) {
      // Without an outcome column only link, reset, RoCE and setup failures can be told.
      const known = outcomeColumn || !["incomplete", "queue_stalled"].includes(k.key);
      if (k.key !== "link_failed" && known && !shown.includes(k)) {
        none.push(k.noun);
      }
    }
    for (const k of shown) {
      columns.push({
        header: k.label,
        title: `runs where ${k.description}`,
        needs: [],
        cell: (i) => {
          const o = outcomes[i];
          const runs = num(i, "runs") ?? 0;
          if (o === null || o === undefined || runs === 0) return { text: "-", numeric: true };
          const n = o[k.key] ?? 0;
          return { text: `${n} (${percent(n / runs)})`, numeric: true };
        },
      });
    }
  }
  columns.push(
    {
      header: "lost an interrupt",
      title: "runs with at least one dropped interrupt, with the 95% interval",
      needs: ["runs_with_drops", "drop_rate", "drop_rate_ci95_low", "drop_rate_ci95_high"],
      cell: count("runs_with_drops", "drop_rate", "drop_rate_ci95_low", "drop_rate_ci95_high"),
    },
    {
      header: "expected (closed form)",
      title: "P(drop) = 1 - exp(-rate x window), and whether the 95% interval holds it",
      needs: ["expected_drop_rate", "expected_within_ci95"],
      cell: (i) => {
        const within = text(i, "expected_within_ci95");
        if (within === "") return { text: "-", numeric: true, title: "does not apply" };
        return {
          text: percent(num(i, "expected_drop_rate")),
          sub: within === "1" ? "within the interval" : "OUTSIDE the interval",
          numeric: true,
        };
      },
    },
    {
      header: "mean drops",
      title: "dropped interrupts per run, on average",
      needs: ["mean_drops"],
      cell: (i) => {
        const v = num(i, "mean_drops");
        return { text: v === null ? "-" : formatNumber(v), numeric: true };
      },
    },
    {
      header: "drop window per run",
      title: "total drop window of a run (summed over vectors): median, and 99th percentile below",
      needs: ["drop_window_total_p50_ns", "drop_window_total_p99_ns"],
      cell: (i) => {
        const p50 = num(i, "drop_window_total_p50_ns");
        const p99 = num(i, "drop_window_total_p99_ns");
        return {
          text: p50 === null ? "-" : p50 === 0 ? "0" : `${formatNs(p50)} median`,
          sub: p99 === null ? undefined : `p99 ${formatNs(p99)}`,
          numeric: true,
        };
      },
    },
    {
      header: "resize cycles",
      title: "full host teardowns per run, on average",
      needs: ["mean_resize_cycles"],
      cell: (i) => {
        const v = num(i, "mean_resize_cycles");
        return { text: v === null ? "-" : formatNumber(v), numeric: true };
      },
    },
    {
      header: "port resets",
      title: "runs with a port reset (TX timeout), with the 95% interval",
      needs: ["runs_with_resets", "reset_rate", "reset_rate_ci95_low", "reset_rate_ci95_high"],
      cell: count("runs_with_resets", "reset_rate", "reset_rate_ci95_low", "reset_rate_ci95_high"),
    },
  );
  const used = columns.filter((c) => c.needs.every((n) => summary.columns.includes(n)));
  const notes =
    outcomes === null
      ? []
      : [
          ...OUTCOME_KINDS.filter(
            (k) => used.some((c) => c.header === k.label) && k.key !== "link_failed",
          ).map((k) => `${k.label}: ${k.description}`),
          ...(none.length > 0
            ? [
                `No run had ${none.slice(0, -1).join(", ")}${none.length > 1 ? " or " : ""}${none[none.length - 1]}.`,
              ]
            : []),
        ];
  return {
    headers: used.map((c) => ({ text: c.header, title: c.title })),
    rows: summary.rows.map((_r, i) => used.map((c) => c.cell(i))),
    notes,
  };
}
