import type { DriverOutcome } from "../guest/outcome.js";
import { causeColumn, DROP_CAUSES } from "../model/outcomes.js";
import type { RunRecord } from "../model/run-record.js";
import type { Exposure } from "./exposure.js";
import type { Window } from "./windows.js";

/**
 * One row of runs.csv (and `msix-sim run --json`). Fixed column order: the first columns are
 * the ones the batch issue names, in that order; the rest follow. Booleans are 0/1; times are
 * integer ns; an absent time is null (an empty CSV cell).
 */
export const RUN_COLUMNS = [
  "run",
  "seed",
  "profile",
  "resize_cycles",
  "irq_generated",
  "irq_delivered",
  "irq_coalesced",
  "irq_pending_end",
  "irq_dropped",
  ...DROP_CAUSES.map(causeColumn),
  "drop_windows",
  "drop_window_total_ns",
  "drop_window_max_ns",
  "its_mapd",
  "its_mapti",
  "its_discard",
  "its_sync",
  "its_timeouts",
  "link_up_ns",
  "reset_attempts",
  "link_failed",
  "events",
  "fingerprint",
  // Beyond the required set:
  "defer_windows",
  "defer_window_total_ns",
  "its_inv",
  "its_mapd_v0",
  "its_mapd_v1",
  "its_not_draining",
  "vector_growths",
  "set_irqs",
  "latency_mean_ns",
  "latency_p99_ns",
  "latency_max_ns",
  "tx_timeouts",
  "mailbox_timeouts",
  "roce_failed",
  "rst_fail",
  "outcome",
  "outcome_reason",
  "port_resets",
  "queues_stalled_end",
  "queue_stall_ns",
  "misc_stuck_end",
  "setup_failures",
  // The conditional loss estimator (analysis/exposure.ts); empty where it is not valid.
  "exposed_window_ns",
  "p_loss_conditional",
] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];
export type RunRow = Record<RunColumn, string | number | null>;

export interface RowInput {
  run: number;
  record: RunRecord;
  windows: readonly Window[];
  deferWindows: readonly Window[];
  outcome: DriverOutcome;
  /** Absent or null: the estimator does not apply (empty cells). */
  exposure?: Exposure | null;
}

function totals(ws: readonly Window[]): { count: number; total: number; max: number } {
  let total = 0;
  let max = 0;
  for (const w of ws) {
    const d = w.end - w.start;
    total += d;
    if (d > max) max = d;
  }
  return { count: ws.length, total, max };
}

const b = (x: boolean): number => (x ? 1 : 0);

export function runRow(x: RowInput): RunRow {
  const r = x.record;
  const dw = totals(x.windows);
  const fw = totals(x.deferWindows);
  const row: Partial<RunRow> = {
    run: x.run,
    seed: r.seed,
    profile: r.profile,
    resize_cycles: r.resizeCycles,
    irq_generated: r.irq.generated,
    irq_delivered: r.irq.delivered,
    irq_coalesced: r.irq.coalesced,
    irq_pending_end: r.irq.pendingEnd,
    irq_dropped: r.irq.dropped,
  };
  for (const c of DROP_CAUSES) row[causeColumn(c) as RunColumn] = r.irq.droppedByCause[c];
  Object.assign(row, {
    drop_windows: dw.count,
    drop_window_total_ns: dw.total,
    drop_window_max_ns: dw.max,
    its_mapd: r.its.MAPD,
    its_mapti: r.its.MAPTI,
    its_discard: r.its.DISCARD,
    its_sync: r.its.SYNC,
    its_timeouts: r.its.timeouts,
    link_up_ns: x.outcome.linkUpNs,
    reset_attempts: x.outcome.resetAttempts,
    link_failed: b(x.outcome.linkFailed),
    events: r.events,
    fingerprint: r.fingerprint,
    defer_windows: fw.count,
    defer_window_total_ns: fw.total,
    its_inv: r.its.INV,
    its_mapd_v0: r.its.mapdInvalid,
    its_mapd_v1: r.its.mapdValid,
    its_not_draining: r.its.notDraining,
    vector_growths: r.vectorGrowths,
    set_irqs: r.setIrqsCalls,
    latency_mean_ns: r.latency.meanNs,
    latency_p99_ns: r.latency.p99Ns,
    latency_max_ns: r.latency.maxNs,
    tx_timeouts: x.outcome.txTimeouts,
    mailbox_timeouts: x.outcome.mailboxTimeouts,
    roce_failed: b(x.outcome.roceFailed),
    rst_fail: b(x.outcome.rstFail),
    outcome: x.outcome.outcome,
    outcome_reason: x.outcome.reason,
    port_resets: x.outcome.portResets,
    queues_stalled_end: x.outcome.stalledQueues,
    queue_stall_ns: x.outcome.queueStallNs,
    misc_stuck_end: b(x.outcome.miscStuck),
    setup_failures: x.outcome.setupFailures,
    exposed_window_ns: x.exposure?.exposedNs ?? null,
    p_loss_conditional: x.exposure?.pLoss ?? null,
  });
  const out = {} as RunRow;
  for (const c of RUN_COLUMNS) out[c] = row[c] ?? null;
  return out;
}
