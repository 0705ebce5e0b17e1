import { parentPort, workerData } from "node:worker_threads";
import type { ProfileName } from "../model/profiles.js";
import { prepareScenario } from "../scenario/runner.js";
import type { Scenario } from "../scenario/schema.js";
import { executeRun } from "./execute.js";

/** Worker thread: runs the runs it is sent and posts each run's output back. */
export interface WorkerInit {
  scenario: Scenario;
  profiles: ProfileName[];
  baseSeed: number;
  windowRuns: number;
}
export type WorkerTask = { runs: number[] } | { stop: true };

const init = workerData as WorkerInit;
const prep = prepareScenario(init.scenario);
parentPort!.on("message", (task: WorkerTask) => {
  if ("stop" in task) {
    process.exit(0);
  }
  for (const run of task.runs) {
    const out = executeRun(prep, init.profiles, run, init.baseSeed + run, run < init.windowRuns);
    parentPort!.postMessage(out);
  }
  parentPort!.postMessage({ idle: true });
});
