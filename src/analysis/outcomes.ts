/**
 * How runs ended besides a link failure, counted per profile from runs.csv rows, reading columns
 * by name (rows of a batch in memory, or of a runs.csv file as strings).
 *
 * With an `outcome` column (ok, queue_stalled, roce_failed, link_failed, incomplete,
 * reset_failed, setup_failed: guest/outcome.ts) each run counts under its outcome. A runs.csv
 * written before that column existed is read from the columns it has: link_failed, rst_fail,
 * roce_failed, and, for a run whose setup failed, interrupts still pending at its end
 * (irq_pending_end > 0: a vector the driver enabled never delivered, as when dyn-small-itt's
 * ITT is full). These may overlap; an outcome column does not.
 */
export interface OutcomeKind {
  key: string;
  /** Column header in the text table and the report. */
  label: string;
  /** What it means, for the report. */
  description: string;
  /** "a RoCE failure": for "no run had ...". */
  noun: string;
}

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  {
    key: "link_failed",
    label: "link failed",
    description: "the interface should be up and its link is down, with nothing pending",
    noun: "a link failure",
  },
  {
    key: "reset_failed",
    label: "reset failed",
    description: "the port cannot come back without outside help (e.g. HCLGE_STATE_RST_FAIL)",
    noun: "a failed reset",
  },
  {
    key: "roce_failed",
    label: "RoCE failed",
    description: "the NIC is fine but RoCE did not initialise",
    noun: "a RoCE failure",
  },
  {
    key: "setup_failed",
    label: "setup failed",
    description:
      "the driver never got working vectors (its probe failed, or a vector could not be set up at the host, e.g. -ENOSPC from a full ITT)",
    noun: "a setup failure",
  },
  {
    key: "queue_stalled",
    label: "queue stalled",
    description: "the link is up but a queue's vector is dead (a lost interrupt)",
    noun: "a stalled queue",
  },
  {
    key: "incomplete",
    label: "incomplete",
    description: "the run ended while a recovery was under way",
    noun: "an incomplete run",
  },
];

type Row = Readonly<Record<string, unknown>>;

const num = (v: unknown): number => (v === null || v === undefined || v === "" ? 0 : Number(v));

/** The outcome keys a row counts under. */
export function outcomesOf(row: Row): string[] {
  if ("outcome" in row) {
    const o = String(row["outcome"] ?? "");
    return o === "" || o === "ok" ? [] : [o];
  }
  const out: string[] = [];
  if (num(row["link_failed"]) === 1) out.push("link_failed");
  if (num(row["rst_fail"]) === 1) out.push("reset_failed");
  if (num(row["roce_failed"]) === 1) out.push("roce_failed");
  if (num(row["irq_pending_end"]) > 0) out.push("setup_failed");
  return out;
}

/** Per profile (in `profiles` order): runs, and runs per outcome key. */
export function countOutcomes(
  rows: Iterable<Row>,
  profiles: readonly string[],
): Map<string, { runs: number; counts: Record<string, number> }> {
  const out = new Map<string, { runs: number; counts: Record<string, number> }>(
    profiles.map((p) => [p, { runs: 0, counts: {} }]),
  );
  for (const r of rows) {
    const entry = out.get(String(r["profile"]));
    if (entry === undefined) continue;
    entry.runs++;
    for (const k of outcomesOf(r)) entry.counts[k] = (entry.counts[k] ?? 0) + 1;
  }
  return out;
}

const ALWAYS = new Set(["link_failed", "roce_failed", "setup_failed"]);

/** The kinds worth a column: link, RoCE and setup failures always, the others when some run had them. */
export function shownKinds(
  counts: Map<string, { runs: number; counts: Record<string, number> }>,
): OutcomeKind[] {
  return OUTCOME_KINDS.filter(
    (k) => ALWAYS.has(k.key) || [...counts.values()].some((c) => (c.counts[k.key] ?? 0) > 0),
  );
}
