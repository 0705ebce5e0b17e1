import { type RunRow, runRow } from "../analysis/run-row.js";
import type { ProfileName } from "../model/profiles.js";
import { type PreparedScenario, runScenario } from "../scenario/runner.js";

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

/** Everything one run contributes to the batch outputs (all its profiles). */
export interface RunOutput {
  run: number;
  rows: RunRow[];
  windows: WindowRow[];
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
  let events = 0;
  for (const profile of profiles) {
    const res = runScenario(prep, { profile, seed });
    rows.push(runRow({ run, ...res }));
    events += res.record.events;
    if (withWindows) {
      for (const w of res.windows)
        windows.push([run, seed, profile, w.vector, w.start, w.end, w.cause]);
    }
  }
  return { run, rows, windows, events };
}
