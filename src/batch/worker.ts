import type { ProfileName } from "../model/profiles.js";
import { type PreparedScenario, prepareScenario } from "../scenario/runner.js";
import type { Scenario } from "../scenario/schema.js";
import { batchRun } from "./execute.js";
import { type PackedChunk, packChunk } from "./result-chunk.js";

/**
 * Worker process (batch/pool.ts): one of a pool that stays up across batches (the points of an
 * experiment, a fit or a sensitivity analysis), so that module loading and JIT warm-up are
 * paid once. Each batch first sends its `init`; then chunks of runs, and the worker answers
 * each chunk with its runs' results in one message.
 */
export interface WorkerInit {
  scenario: Scenario;
  profiles: ProfileName[];
  baseSeed: number;
  windowRuns: number;
}
export type WorkerTask = { init: WorkerInit } | { runs: number[] };
/**
 * A chunk's results, packed (result-chunk.ts), and the milliseconds they took the worker (the
 * pool sizes chunks by it).
 */
export type WorkerReply = { chunk: PackedChunk; ms: number } | { error: string };

// Stopping is the parent's decision (a Ctrl-C reaches the whole process group); the parent
// kills its workers when it needs to, and a worker goes when its parent does.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.on("disconnect", () => process.exit(0));

let init: WorkerInit | null = null;
let prep: PreparedScenario | null = null;
process.on("message", (task: WorkerTask) => {
  try {
    if ("init" in task) {
      // The scenario is checked and prepared once per batch, not per run.
      init = task.init;
      prep = prepareScenario(init.scenario);
      return;
    }
    const t0 = performance.now();
    const chunk = packChunk(task.runs.map((run) => batchRun(prep!, init!, run)));
    process.send!({ chunk, ms: performance.now() - t0 } satisfies WorkerReply);
  } catch (e) {
    process.send!({ error: (e as Error).stack ?? String(e) } satisfies WorkerReply);
  }
});
