import { cycleSummaries } from "../analysis/cycles.js";
import { RUN_COLUMNS, type RunRow, runRow } from "../analysis/run-row.js";
import { csvLine, csvRow } from "../io/csv-line.js";
import type { ProfileName } from "../model/profiles.js";
import { type PreparedScenario, runScenario } from "../scenario/runner.js";
import { type SummaryInput, summaryInputOf } from "./summary.js";

export const WINDOW_COLUMNS = [
  "run",
  "seed",
  "profile",
  "vector",
  "start_ns",
  "end_ns",
  "cause",
] as const;
export type WindowRow = [number, number, string, number, number, number, string];

export const CYCLE_COLUMNS = [
  "run",
  "seed",
  "profile",
  "cycle",
  "kind",
  "vector",
  "active",
  "nr_vectors",
  "start_ns",
  "end_ns",
  "duration_ns",
  "drop_window_total_ns",
  "drop_window_max_ns",
  "vectors_with_windows",
] as const;
export type CycleRow = (string | number)[];

/**
 * Everything one run contributes to the batch outputs (all its profiles). Windows and cycles
 * are kept only for the first runs (--window-runs): they are large.
 */
export interface RunOutput {
  run: number;
  rows: RunRow[];
  windows: WindowRow[];
  cycles: CycleRow[];
  events: number;
}

/** Runs one run under every profile (common random numbers: one seed for all). */
export function executeRun(
  prep: PreparedScenario,
  profiles: readonly ProfileName[],
  run: number,
  seed: number,
  withWindows: boolean,
): RunOutput {
  const rows: RunRow[] = [];
  const windows: WindowRow[] = [];
  const cycles: CycleRow[] = [];
  let events = 0;
  for (const profile of profiles) {
    const res = runScenario(prep, { profile, seed });
    rows.push(
      runRow({
        run,
        record: res.record,
        windows: res.windows,
        deferWindows: res.deferWindows,
        outcome: res.outcome,
        exposure: res.exposure,
      }),
    );
    events += res.record.events;
    if (withWindows) {
      for (const w of res.windows) {
        windows.push([run, seed, profile, w.vector, w.start, w.end, w.cause]);
      }
      for (const c of cycleSummaries(res.record.cycles, res.windows)) {
        cycles.push([
          run,
          seed,
          profile,
          c.cycle,
          c.kind,
          c.vector,
          c.active,
          c.nrVectors,
          c.start,
          c.end,
          c.end - c.start,
          c.dropWindowTotal,
          c.dropWindowMax,
          c.vectorsWithWindows,
        ]);
      }
    }
  }
  return { run, rows, windows, cycles, events };
}

/**
 * One run as a worker sends it to the batch: its lines of runs.csv, windows.csv and cycles.csv,
 * formatted (each line ends in "\n"), and the numbers the summaries need of each row. Strings,
 * not row objects: the batch appends them to its files as they come and keeps nothing else.
 */
export interface RunResult {
  run: number;
  events: number;
  runs: string;
  windows: string;
  cycles: string;
  /** One per profile, in the batch's profile order. */
  inputs: SummaryInput[];
}

/** Run `run` of a batch as its workers send it: seed base + run, windows below `windowRuns`. */
export function batchRun(
  prep: PreparedScenario,
  b: { profiles: readonly ProfileName[]; baseSeed: number; windowRuns: number },
  run: number,
): RunResult {
  return formatRun(executeRun(prep, b.profiles, run, b.baseSeed + run, run < b.windowRuns));
}

export function formatRun(out: RunOutput): RunResult {
  let runs = "";
  for (const row of out.rows) runs += `${csvRow(row, RUN_COLUMNS)}\n`;
  let windows = "";
  for (const w of out.windows) windows += `${csvLine(w)}\n`;
  let cycles = "";
  for (const c of out.cycles) cycles += `${csvLine(c)}\n`;
  return {
    run: out.run,
    events: out.events,
    runs,
    windows,
    cycles,
    inputs: out.rows.map(summaryInputOf),
  };
}
