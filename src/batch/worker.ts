import { parentPort } from "node:worker_threads";
import type { ProfileName } from "../model/profiles.js";
import { type PreparedScenario, prepareScenario } from "../scenario/runner.js";
import type { Scenario } from "../scenario/schema.js";
import { executeRun, formatRun } from "./execute.js";

/**
 * Worker thread: one of a pool that stays up across batches (the points of an experiment, a fit
 * or a sensitivity analysis), so that module loading and JIT warm-up are paid once. Each batch
 * first sends its `init`; then it runs the runs it is sent and posts each run's output back.
 */
export interface WorkerInit {
  scenario: Scenario;
  profiles: ProfileName[];
  baseSeed: number;
  windowRuns: number;
}
export type WorkerTask = { init: WorkerInit } | { runs: number[] };

let init: WorkerInit | null = null;
let prep: PreparedScenario | null = null;
parentPort!.on("message", (task: WorkerTask) => {
  if ("init" in task) {
    // The scenario is checked and prepared once per batch, not per run.
    init = task.init;
    prep = prepareScenario(init.scenario);
    return;
  }
  const i = init!;
  for (const run of task.runs) {
    const out = executeRun(prep!, i.profiles, run, i.baseSeed + run, run < i.windowRuns);
    parentPort!.postMessage(formatRun(out));
  }
  parentPort!.postMessage({ idle: true });
});
