import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import type { PreparedScenario } from "../scenario/runner.js";
import { executeRun, formatRun, type RunResult } from "./execute.js";
import type { BatchPlan } from "./plan.js";
import type { WorkerInit, WorkerTask } from "./worker.js";

export interface PoolOptions {
  prep: PreparedScenario;
  plan: BatchPlan;
  /** Runs still to do, ascending. */
  todo: readonly number[];
  workers: number;
  /** Called for each finished run; an exception stops the pool and rejects its promise. */
  onResult: (r: RunResult) => void;
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
    o.onResult(
      formatRun(executeRun(prep, plan.profiles, run, plan.baseSeed + run, run < plan.windowRuns)),
    );
    // Let signals and progress output through now and then.
    if (Date.now() - last > 50) {
      await yieldToLoop();
      last = Date.now();
    }
  }
  return o.abort.aborted ? "aborted" : "done";
}

/**
 * The worker threads, kept between batches of the same size: the next batch (the next point of
 * an experiment, a fit or a sensitivity analysis) finds them loaded and warm. Idle workers are
 * unref'd, so they never keep the process alive; an aborted or failed batch terminates them.
 */
interface WarmPool {
  readonly workers: Worker[];
  /** The batch using the pool, if any: where messages and failures go. */
  onMessage: ((w: Worker, m: RunResult | { idle: true }) => void) | null;
  onFail: ((e: Error) => void) | null;
}
let warm: WarmPool | null = null;

function takePool(k: number): WarmPool {
  if (warm !== null && warm.workers.length === k) {
    for (const w of warm.workers) w.ref();
    return warm;
  }
  dropPool();
  const p: WarmPool = { workers: [], onMessage: null, onFail: null };
  for (let i = 0; i < k; i++) {
    const w = new Worker(new URL("./worker.js", import.meta.url));
    w.on("message", (m: RunResult | { idle: true }) => p.onMessage?.(w, m));
    w.on("error", (e) => {
      if (warm === p) dropPool();
      p.onFail?.(e);
    });
    // A worker that dies without an error event (killed, out of memory) must not hang a batch.
    w.on("exit", (code) => {
      if (warm === p) dropPool();
      p.onFail?.(new Error(`batch worker thread exited with code ${code}`));
    });
    p.workers.push(w);
  }
  warm = p;
  return p;
}

/** Terminates the warm workers (after an abort or a failure: they may be mid-task). */
function dropPool(): void {
  const p = warm;
  if (p === null) return;
  warm = null;
  p.onMessage = null;
  p.onFail = null;
  for (const w of p.workers) void w.terminate();
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
  const p = takePool(k);
  return new Promise((resolve, reject) => {
    let live = k;
    let settled = false;
    // Every way out goes through here: the poll timer goes with the batch, and the workers
    // either go back to the pool, idle (done), or are terminated (aborted, failed).
    const settle = (how: "done" | "aborted" | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      p.onMessage = null;
      p.onFail = null;
      if (how === "done" && warm === p) for (const w of p.workers) w.unref();
      else if (warm === p) dropPool();
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
        if (--live === 0) settle("done");
        return;
      }
      w.postMessage({ runs } satisfies WorkerTask);
    };
    p.onMessage = (w, m) => {
      try {
        if ("idle" in m) next(w);
        else o.onResult(m);
      } catch (e) {
        settle(e as Error);
      }
    };
    p.onFail = (e) => settle(e);
    for (const w of p.workers) {
      w.postMessage({ init } satisfies WorkerTask);
      next(w);
    }
  });
}
