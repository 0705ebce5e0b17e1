import type { RunRow } from "../analysis/run-row.js";
import { formatDuration, formatTimestampMs, type Time, type TraceRecord } from "../engine/index.js";
import type { DriverOutcome } from "../guest/outcome.js";
import { causeColumn, DROP_CAUSES } from "../model/outcomes.js";

/** One trace record as a tracepoint-style line: "1.204512 ms its: MAPTI dev=0x10 event=5 lpi=8197 (its_irq_domain_activate)". */
export function logLine(r: TraceRecord): string {
  const parts: string[] = [];
  let fn = "";
  for (const [k, v] of Object.entries(r.fields)) {
    if (k === "fn") fn = String(v);
    // A value with spaces (a reason) is quoted, so that key=value pairs stay apart.
    else parts.push(`${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : v}`);
  }
  const fields = parts.length > 0 ? ` ${parts.join(" ")}` : "";
  return `${formatTimestampMs(r.time)} ${r.component}: ${r.kind}${fields}${fn ? ` (${fn})` : ""}`;
}

const n = (x: unknown): string => (x === null ? "-" : String(x));

/**
 * The guest driver's verdict on the run, as a trace record at its end: "verdict: ok",
 * "verdict: link failed", "verdict: setup failed"... (its outcome), with the reason and the
 * details. For --log and --trace.
 */
export function verdictRecord(o: DriverOutcome, end: Time): TraceRecord {
  return {
    time: end,
    component: "hns3",
    kind: `verdict: ${o.outcome.replaceAll("_", " ")}`,
    fields: {
      ...(o.reason !== "" ? { reason: o.reason } : {}),
      link_up: o.linkUpNs === null ? "never" : formatDuration(o.linkUpNs),
      reset_attempts: o.resetAttempts,
      tx_timeouts: o.txTimeouts,
      mailbox_timeouts: o.mailboxTimeouts,
      rst_fail: o.rstFail,
    },
  };
}

/** The human summary of one run. */
export function summaryText(
  label: string,
  row: RunRow,
  durationNs: number,
  vectorsWithWindows: number,
  title = "msix-sim run",
): string {
  const causes = DROP_CAUSES.map((c) => [c, Number(row[causeColumn(c) as keyof RunRow])] as const)
    .filter(([, v]) => v > 0)
    .map(([c, v]) => `${c} ${v}`);
  const lines = [
    `${title}: ${label}, profile ${row.profile}, seed ${row.seed}, ${formatDuration(durationNs)} simulated`,
    `resize cycles     ${row.resize_cycles} (nr_vectors grew ${row.vector_growths} times, ${row.set_irqs} SET_IRQS)`,
    `drop windows      ${row.drop_windows} on ${vectorsWithWindows} vectors, total ${formatDuration(Number(row.drop_window_total_ns))}, longest ${formatDuration(Number(row.drop_window_max_ns))}`,
    `defer windows     ${row.defer_windows}, total ${formatDuration(Number(row.defer_window_total_ns))}`,
    `interrupts        generated ${row.irq_generated}, delivered ${row.irq_delivered}, coalesced ${row.irq_coalesced}, pending at end ${row.irq_pending_end}, dropped ${row.irq_dropped}`,
    `  dropped by cause ${causes.length > 0 ? causes.join(", ") : "none"}`,
    `  latency         mean ${formatDuration(Number(row.latency_mean_ns))}, p99 ${formatDuration(Number(row.latency_p99_ns))}, max ${formatDuration(Number(row.latency_max_ns))}`,
    `ITS commands      MAPD ${row.its_mapd} (V=0 ${row.its_mapd_v0}, V=1 ${row.its_mapd_v1}), MAPTI ${row.its_mapti}, DISCARD ${row.its_discard}, SYNC ${row.its_sync}, INV ${row.its_inv}; timeouts ${row.its_timeouts}`,
    `guest driver      link up ${row.link_up_ns === null ? "never" : `at ${formatDuration(Number(row.link_up_ns))}`}, reset attempts ${row.reset_attempts}, tx timeouts ${row.tx_timeouts}, mailbox timeouts ${row.mailbox_timeouts}, RoCE failed ${row.roce_failed ? "yes" : "no"}`,
    `link_failed       ${row.link_failed ? "YES" : "no"}${row.rst_fail ? " (HCLGE_STATE_RST_FAIL)" : ""}`,
    ...outcomeLine(row),
    `fingerprint       ${row.fingerprint} (${n(row.events)} events)`,
  ];
  return `${lines.join("\n")}\n`;
}

/** "outcome           setup_failed: 48 vector(s) could not be set up at the host". */
function outcomeLine(row: RunRow): string[] {
  const r = row as Record<string, unknown>;
  if (r["outcome"] === undefined || r["outcome"] === null) return [];
  const reason = r["outcome_reason"] ? `: ${r["outcome_reason"]}` : "";
  return [`outcome           ${r["outcome"]}${reason}`];
}

/**
 * A plain-text table: the header, a rule of dashes, then the rows, each column padded to its
 * widest cell and two spaces apart; one string per line, without trailing blanks.
 */
export function textTable(head: readonly string[], body: readonly string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
}
