import { type ChildProcess, fork } from "node:child_process";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { PreparedScenario } from "../scenario/runner.js";
import { batchRun, type RunResult } from "./execute.js";
import { RUN_HEAP_FLAGS } from "./heap-flags.js";
import type { BatchPlan } from "./plan.js";
import { unpackChunk } from "./result-chunk.js";
import type { WorkerInit, WorkerReply, WorkerTask } from "./worker.js";

export interface PoolOptions {
  prep: PreparedScenario;
  plan: BatchPlan;
  /** Runs still to do, ascending. */
  todo: readonly number[];
  workers: number;
  /** Called for each finished run; an exception stops the pool and rejects its promise. */
  onResult: (r: RunResult) => void;
  /** Set to true (e.g. on SIGINT) to stop: runs in flight in worker processes are abandoned. */
  abort: { aborted: boolean };
}

/**
 * Runs `todo` on `workers` worker processes (in this thread when 1), handing out small chunks of
 * runs as workers become idle. Results arrive in any order; the caller orders them. When the
 * promise settles nothing of the pool is left running: no worker, no timer.
 */
export async function runPool(o: PoolOptions): Promise<"done" | "aborted"> {
  const k = Math.max(1, Math.min(o.workers, o.todo.length));
  if (k <= 1) return runInline(o);
  return runWorkers(o, k);
}

async function runInline(o: PoolOptions): Promise<"done" | "aborted"> {
  const { prep, plan } = o;
  let last = Date.now();
  for (const run of o.todo) {
    if (o.abort.aborted) return "aborted";
    o.onResult(batchRun(prep, plan, run));
    // Let signals and progress output through now and then.
    if (Date.now() - last > 50) {
      await yieldToLoop();
      last = Date.now();
    }
  }
  return o.abort.aborted ? "aborted" : "done";
}

/**
 * The worker processes, kept between batches of the same size: the next batch (the next point
 * of an experiment, a fit or a sensitivity analysis) finds them loaded and warm. Idle workers
 * are unref'd, so they never keep the process alive; an aborted or failed batch kills them.
 *
 * Processes, not worker threads: measured on a 2-core machine, two worker threads ran
 * hns3-roce-load at 1.08x one (300 runs in 11.5 s against 150 in 6.2 s), two processes at
 * 1.9x; threads of one process share more than their isolates' heaps suggest (the platform's
 * GC and compiler threads, the allocator), processes share nothing. A worker ignores SIGINT
 * and SIGTERM (a Ctrl-C reaches the whole process group: stopping is the batch's decision, so
 * that it can keep what is done) and exits when its parent goes (its IPC channel closes).
 */
interface WarmPool {
  readonly workers: ChildProcess[];
  /** The batch using the pool, if any: where messages and failures go. */
  onMessage: ((w: ChildProcess, m: WorkerReply) => void) | null;
  onFail: ((e: Error) => void) | null;
}
let warm: WarmPool | null = null;

const WORKER = fileURLToPath(new URL("./worker.js", import.meta.url));

function hold(w: ChildProcess, on: boolean): void {
  const channel = w.channel as { ref(): void; unref(): void } | null | undefined;
  if (on) {
    w.ref();
    channel?.ref();
  } else {
    w.unref();
    channel?.unref();
  }
}

function takePool(k: number): WarmPool {
  if (warm !== null && warm.workers.length === k) {
    for (const w of warm.workers) hold(w, true);
    return warm;
  }
  dropPool();
  const p: WarmPool = { workers: [], onMessage: null, onFail: null };
  for (let i = 0; i < k; i++) {
    const w = fork(WORKER, [], {
      serialization: "advanced",
      execArgv: [...RUN_HEAP_FLAGS],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    w.on("message", (m: WorkerReply) => p.onMessage?.(w, m));
    w.on("error", (e) => {
      if (warm === p) dropPool();
      p.onFail?.(e);
    });
    // A worker that dies (killed, out of memory) must not hang a batch.
    w.on("exit", (code, signal) => {
      if (warm === p) dropPool();
      p.onFail?.(new Error(`batch worker process exited (${signal ?? `code ${code}`})`));
    });
    p.workers.push(w);
  }
  warm = p;
  return p;
}

/** Kills the warm workers (after an abort or a failure: they may be mid-task). */
function dropPool(): void {
  const p = warm;
  if (p === null) return;
  warm = null;
  p.onMessage = null;
  p.onFail = null;
  for (const w of p.workers) {
    hold(w, false);
    w.kill("SIGKILL");
  }
}

/**
 * Ends the warm workers and waits until they have exited (at most `ms`, then kills them). Left
 * alone they exit when this process does (their IPC channel closes), but a moment after it: a
 * command calls this before it ends, so that it leaves no process behind at any instant.
 */
export async function closePool(ms = 1000): Promise<void> {
  const p = warm;
  if (p === null) return;
  warm = null;
  p.onMessage = null;
  p.onFail = null;
  await Promise.all(
    p.workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null || w.signalCode !== null) {
            resolve();
            return;
          }
          const kill = setTimeout(() => w.kill("SIGKILL"), ms);
          w.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          // A worker exits when its channel closes (worker.ts).
          if (w.connected) w.disconnect();
          else w.kill("SIGKILL");
        }),
    ),
  );
}

/** The work a chunk should hold, and its most runs (their results wait in the reorder buffer). */
const CHUNK_MS = 20;
const MAX_CHUNK = 256;

function runWorkers(o: PoolOptions, k: number): Promise<"done" | "aborted"> {
  const queue = [...o.todo];
  // Chunks start at one run and grow to about CHUNK_MS of work as the workers report their
  // time per run: a 200-us run goes in chunks of ~100 (one message instead of a hundred, for
  // the worker and for this process, which shares the cores), a 20-ms run alone. At most a
  // sixteenth of each worker's share, so the last chunks still balance.
  const maxChunk = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(queue.length / (k * 16))));
  let chunk = 1;
  const init: WorkerInit = {
    scenario: o.prep.scenario,
    profiles: [...o.plan.profiles],
    baseSeed: o.plan.baseSeed,
    windowRuns: o.plan.windowRuns,
  };
  const p = takePool(k);
  return new Promise((resolve, reject) => {
    // Chunks sent and not yet answered. Each worker holds two: while the parent takes one
    // chunk's results (on two cores it shares them with the workers, and is not always
    // scheduled at once) the worker is already computing the next, instead of waiting idle.
    let outstanding = 0;
    let settled = false;
    // Every way out goes through here: the poll timer goes with the batch, and the workers
    // either go back to the pool, idle (done), or are killed (aborted, failed).
    const settle = (how: "done" | "aborted" | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      p.onMessage = null;
      p.onFail = null;
      if (how === "done" && warm === p) for (const w of p.workers) hold(w, false);
      else if (warm === p) dropPool();
      if (how instanceof Error) reject(how);
      else resolve(how);
    };
    // A signal sets abort while every worker is busy: notice it without waiting for a result.
    const poll = setInterval(() => {
      if (o.abort.aborted) settle("aborted");
    }, 20);
    const next = (w: ChildProcess) => {
      if (o.abort.aborted) {
        settle("aborted");
        return;
      }
      const runs = queue.splice(0, chunk);
      if (runs.length === 0) {
        if (outstanding === 0) settle("done");
        return;
      }
      outstanding++;
      w.send({ runs } satisfies WorkerTask);
    };
    p.onMessage = (w, m) => {
      try {
        outstanding--;
        if ("error" in m) throw new Error(`batch worker: ${m.error}`);
        const results = unpackChunk(m.chunk);
        if (results.length > 0) {
          const perRun = Math.max(m.ms / results.length, 1e-3);
          chunk = Math.max(1, Math.min(maxChunk, Math.round(CHUNK_MS / perRun)));
        }
        for (const r of results) {
          if (o.abort.aborted) break;
          o.onResult(r);
        }
        next(w);
      } catch (e) {
        settle(e as Error);
      }
    };
    p.onFail = (e) => settle(e);
    for (const w of p.workers) {
      w.send({ init } satisfies WorkerTask);
      next(w);
    }
    for (const w of p.workers) next(w);
  });
}
