import { join } from "node:path";
import { toolVersion } from "../batch/files.js";
import { parseCount } from "../batch/plan.js";
import { csvLine, loadReplay } from "../batch/replay.js";
import { checkOutFile } from "../io/files.js";
import { InputError } from "../scenario/errors.js";
import { checkWorkload } from "../scenario/workload.js";
import { checkTrace, type ShowOptions, simulateAndShow } from "./run-command.js";

export interface ReplayCommandOptions extends ShowOptions {
  run?: string;
  profile?: string;
  force?: boolean;
}

/**
 * `msix-sim replay DIR --run N --profile P`: one row of a batch run again from the batch's
 * manifest (its resolved scenario and seed rule), with the same outputs as `run`. --json is the
 * row of DIR/runs.csv; a row that comes out different is reported (another tool version).
 */
export function replayCommand(
  dir: string,
  o: ReplayCommandOptions,
  err: (text: string) => void = (t) => void process.stderr.write(t),
): string {
  const run = parseCount(o.run, "--run", 0);
  if (run === undefined) {
    throw new InputError("--run: required (a run number: the run column of runs.csv)");
  }
  if (o.trace !== undefined) checkOutFile(o.trace, "--trace");
  const r = loadReplay(dir, run, o.profile);
  checkWorkload(r.prep, o.force ?? false);
  checkTrace(r.prep, o);
  const { text, row } = simulateAndShow(
    r.prep,
    { profile: r.profile, seed: r.seed, run, label: r.label, title: "msix-sim replay" },
    o,
    err,
  );
  if (r.line !== null && csvLine(row) !== r.line) {
    err(
      `msix-sim: warning: run ${run} under ${r.profile} differs from its row in ${join(dir, "runs.csv")}: the batch was made by ${r.madeBy}, this is msix-sim ${toolVersion()}\n`,
    );
  }
  return text;
}
