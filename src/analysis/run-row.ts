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

const CAUSE_COLUMNS = DROP_CAUSES.map(causeColumn);

/**
 * The row, its properties added once each in column order (the cause columns by key, the rest
 * by name): a batch makes one per run, and an object built from a partial row by keyed copies
 * ends in dictionary mode, which cost about as much as the rest of formatting the run.
 */
export function runRow(x: RowInput): RunRow {
  const r = x.record;
  const o = x.outcome;
  const its = r.its;
  const dw = totals(x.windows);
  const fw = totals(x.deferWindows);
  const row = {
    run: x.run,
    seed: r.seed,
    profile: r.profile,
    resize_cycles: r.resizeCycles,
    irq_generated: r.irq.generated,
    irq_delivered: r.irq.delivered,
    irq_coalesced: r.irq.coalesced,
    irq_pending_end: r.irq.pendingEnd,
    irq_dropped: r.irq.dropped,
  } as Record<string, string | number | null>;
  for (let i = 0; i < DROP_CAUSES.length; i++) {
    row[CAUSE_COLUMNS[i]!] = r.irq.droppedByCause[DROP_CAUSES[i]!];
  }
  row.drop_windows = dw.count;
  row.drop_window_total_ns = dw.total;
  row.drop_window_max_ns = dw.max;
  row.its_mapd = its.MAPD;
  row.its_mapti = its.MAPTI;
  row.its_discard = its.DISCARD;
  row.its_sync = its.SYNC;
  row.its_timeouts = its.timeouts;
  row.link_up_ns = o.linkUpNs;
  row.reset_attempts = o.resetAttempts;
  row.link_failed = b(o.linkFailed);
  row.events = r.events;
  row.fingerprint = r.fingerprint;
  row.defer_windows = fw.count;
  row.defer_window_total_ns = fw.total;
  row.its_inv = its.INV;
  row.its_mapd_v0 = its.mapdInvalid;
  row.its_mapd_v1 = its.mapdValid;
  row.its_not_draining = its.notDraining;
  row.vector_growths = r.vectorGrowths;
  row.set_irqs = r.setIrqsCalls;
  row.latency_mean_ns = r.latency.meanNs;
  row.latency_p99_ns = r.latency.p99Ns;
  row.latency_max_ns = r.latency.maxNs;
  row.tx_timeouts = o.txTimeouts;
  row.mailbox_timeouts = o.mailboxTimeouts;
  row.roce_failed = b(o.roceFailed);
  row.rst_fail = b(o.rstFail);
  row.outcome = o.outcome;
  row.outcome_reason = o.reason;
  row.port_resets = o.portResets;
  row.queues_stalled_end = o.stalledQueues;
  row.queue_stall_ns = o.queueStallNs;
  row.misc_stuck_end = b(o.miscStuck);
  row.setup_failures = o.setupFailures;
  row.exposed_window_ns = x.exposure?.exposedNs ?? null;
  row.p_loss_conditional = x.exposure?.pLoss ?? null;
  return row as RunRow;
}
