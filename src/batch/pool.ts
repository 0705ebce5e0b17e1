import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import type { PreparedScenario } from "../scenario/runner.js";
import { executeRun, type RunOutput } from "./execute.js";
import type { BatchPlan } from "./plan.js";
import type { WorkerInit, WorkerTask } from "./worker.js";

export interface PoolOptions {
  prep: PreparedScenario;
  plan: BatchPlan;
  /** Runs still to do, ascending. */
  todo: readonly number[];
  workers: number;
  onResult: (out: RunOutput) => void;
  /** Set to true (e.g. on SIGINT) to stop after the runs in flight. */
  abort: { aborted: boolean };
}

/**
 * Runs `todo` on `workers` worker threads (in this thread when 1), handing out small chunks of
 * runs as workers become idle. Results arrive in any order; the caller orders them.
 */
export async function runPool(o: PoolOptions): Promise<"done" | "aborted"> {
  const k = Math.max(1, Math.min(o.workers, o.todo.length));
  if (k <= 1) return runInline(o);
  return runThreads(o, k);
}

async function runInline(o: PoolOptions): Promise<"done" | "aborted"> {
  const { prep, plan } = o;
  let last = Date.now();
  for (const run of o.todo) {
    if (o.abort.aborted) return "aborted";
    o.onResult(executeRun(prep, plan.profiles, run, plan.baseSeed + run, run < plan.windowRuns));
    // Let signals and progress output through now and then.
    if (Date.now() - last > 50) {
      await yieldToLoop();
      last = Date.now();
    }
  }
  return o.abort.aborted ? "aborted" : "done";
}

function runThreads(o: PoolOptions, k: number): Promise<"done" | "aborted"> {
  const queue = [...o.todo];
  const chunk = Math.max(1, Math.min(8, Math.ceil(queue.length / (k * 16))));
  const init: WorkerInit = {
    scenario: o.prep.scenario,
    profiles: [...o.plan.profiles],
    baseSeed: o.plan.baseSeed,
    windowRuns: o.plan.windowRuns,
  };
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let live = k;
    let settled = false;
    const finish = (how: "done" | "aborted") => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      resolve(how);
    };
    const poll = setInterval(() => {
      if (o.abort.aborted) finish("aborted");
    }, 20);
    const next = (w: Worker) => {
      if (o.abort.aborted) {
        clearInterval(poll);
        finish("aborted");
        return;
      }
      const runs = queue.splice(0, chunk);
      if (runs.length === 0) {
        w.postMessage({ stop: true } satisfies WorkerTask);
        if (--live === 0) {
          clearInterval(poll);
          finish("done");
        }
        return;
      }
      w.postMessage({ runs } satisfies WorkerTask);
    };
    for (let i = 0; i < k; i++) {
      const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: init });
      workers.push(w);
      w.on("message", (m: RunOutput | { idle: true }) => {
        if ("idle" in m) next(w);
        else if (!settled) o.onResult(m);
      });
      w.on("error", (e) => {
        clearInterval(poll);
        if (!settled) {
          settled = true;
          for (const x of workers) void x.terminate();
          reject(e);
        }
      });
      next(w);
    }
  });
}
