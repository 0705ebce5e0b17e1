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
  /** Called for each finished run; an exception stops the pool and rejects its promise. */
  onResult: (out: RunOutput) => void;
  /** Set to true (e.g. on SIGINT) to stop: runs in flight in worker threads are abandoned. */
  abort: { aborted: boolean };
}

/**
 * Runs `todo` on `workers` worker threads (in this thread when 1), handing out small chunks of
 * runs as workers become idle. Results arrive in any order; the caller orders them. When the
 * promise settles nothing of the pool is left running: no worker, no timer.
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
    // Every way out goes through here: the poll timer and the workers go with the pool.
    const settle = (how: "done" | "aborted" | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      for (const w of workers) void w.terminate();
      if (how instanceof Error) reject(how);
      else resolve(how);
    };
    // A signal sets abort while every worker is busy: notice it without waiting for a result.
    const poll = setInterval(() => {
      if (o.abort.aborted) settle("aborted");
    }, 20);
    const next = (w: Worker) => {
      if (o.abort.aborted) {
        settle("aborted");
        return;
      }
      const runs = queue.splice(0, chunk);
      if (runs.length === 0) {
        w.postMessage({ stop: true } satisfies WorkerTask);
        if (--live === 0) settle("done");
        return;
      }
      w.postMessage({ runs } satisfies WorkerTask);
    };
    for (let i = 0; i < k; i++) {
      const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: init });
      workers.push(w);
      w.on("message", (m: RunOutput | { idle: true }) => {
        if (settled) return;
        try {
          if ("idle" in m) next(w);
          else o.onResult(m);
        } catch (e) {
          settle(e as Error);
        }
      });
      w.on("error", (e) => settle(e));
      // A worker that dies without an error event (killed, out of memory) must not hang the pool.
      w.on("exit", (code) => {
        if (code !== 0) settle(new Error(`batch worker thread exited with code ${code}`));
      });
      next(w);
    }
  });
}
