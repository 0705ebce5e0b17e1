import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type * as ExecuteModule from "../../src/batch/execute.js";
import type { BatchPlan } from "../../src/batch/plan.js";
import type * as PoolModule from "../../src/batch/pool.js";
import type { ProfileName } from "../../src/model/profiles.js";
import type * as LoadModule from "../../src/scenario/load.js";
import type * as RunnerModule from "../../src/scenario/runner.js";

// The built modules: worker processes run dist/batch/worker.js (npm test builds first).
const dist = (p: string) => resolve(import.meta.dirname, "../../dist", p);
const { runPool, closePool } = (await import(dist("batch/pool.js"))) as typeof PoolModule;
const { resolveScenario } = (await import(dist("scenario/load.js"))) as typeof LoadModule;
const { prepareScenario } = (await import(dist("scenario/runner.js"))) as typeof RunnerModule;

/** Intervals the pool starts and has not cleared, while `body` runs. */
async function leftIntervals(body: () => Promise<unknown>): Promise<number> {
  const live = new Set<unknown>();
  const set = vi.spyOn(globalThis, "setInterval").mockImplementation(((
    fn: () => void,
    ms: number,
  ) => {
    const h = realSet(fn, ms);
    live.add(h);
    return h;
  }) as typeof setInterval);
  const clear = vi.spyOn(globalThis, "clearInterval").mockImplementation(((h: NodeJS.Timeout) => {
    live.delete(h);
    realClear(h);
  }) as typeof clearInterval);
  try {
    await body();
  } finally {
    set.mockRestore();
    clear.mockRestore();
  }
  for (const h of live) realClear(h as NodeJS.Timeout);
  return live.size;
}
const realSet = globalThis.setInterval;
const realClear = globalThis.clearInterval;

/** A plan of runs 0..runs-1, seeds baseSeed + run, no windows. */
function planOf(runs: number, profiles: ProfileName[], baseSeed: number): BatchPlan {
  return {
    runs,
    baseSeed,
    profiles,
    shard: { index: 1, count: 1 },
    from: 0,
    to: runs,
    windowRuns: 0,
  };
}

describe("worker pool", () => {
  it("an abort while every worker is busy settles the pool and leaves no timer or worker behind", async () => {
    const prep = prepareScenario(resolveScenario({ preset: "single-vector-window" }).scenario);
    const abort = { aborted: false };
    let results = 0;
    let status = "";
    const left = await leftIntervals(async () => {
      status = await runPool({
        prep,
        plan: planOf(400, ["legacy", "dyn"], 1),
        todo: Array.from({ length: 400 }, (_, i) => i),
        workers: 2,
        abort,
        onResult: () => {
          // The signal arrives between two results: only the poll can see it.
          if (++results === 1) setImmediate(() => (abort.aborted = true));
        },
      });
    });
    expect(status).toBe("aborted");
    expect(results).toBeLessThan(400);
    // The old pool kept polling the abort flag for ever, so the process never exited.
    expect(left).toBe(0);
  });

  it("an exception in onResult rejects the pool instead of crashing the process", async () => {
    const prep = prepareScenario(resolveScenario({ preset: "single-vector-window" }).scenario);
    const left = await leftIntervals(() =>
      expect(
        runPool({
          prep,
          plan: planOf(4, ["dyn"], 1),
          todo: [0, 1, 2, 3],
          workers: 2,
          abort: { aborted: false },
          onResult: () => {
            throw new Error("ENOSPC: no space left on device");
          },
        }),
      ).rejects.toThrow("ENOSPC"),
    );
    expect(left).toBe(0);
  });

  it("closePool leaves no worker process behind, not even for a moment", async () => {
    const prep = prepareScenario(resolveScenario({ preset: "single-vector-window" }).scenario);
    const status = await runPool({
      prep,
      plan: planOf(4, ["legacy"], 1),
      todo: [0, 1, 2, 3],
      workers: 2,
      abort: { aborted: false },
      onResult: () => {},
    });
    expect(status).toBe("done");
    // This process's batch workers: kept warm (and alive) for a next batch.
    const workers = () =>
      execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes("batch/worker.js"));
    expect(workers()).toHaveLength(2);
    await closePool();
    expect(workers()).toEqual([]);
    await closePool(); // nothing left to close
  });

  it("a warm pool runs the next batch's scenario, not the last one's", async () => {
    const { executeRun, formatRun } = (await import(
      dist("batch/execute.js")
    )) as typeof ExecuteModule;
    const batch = async (params: string[]) => {
      const prep = prepareScenario(
        resolveScenario({ preset: "single-vector-window", params }).scenario,
      );
      const rows = new Map<number, unknown>();
      const status = await runPool({
        prep,
        plan: planOf(6, ["legacy"], 7),
        todo: [0, 1, 2, 3, 4, 5],
        workers: 2,
        abort: { aborted: false },
        onResult: (out) => rows.set(out.run, out.runs),
      });
      expect(status).toBe("done");
      // The same runs in this thread: what the workers must have computed.
      for (let r = 0; r < 6; r++) {
        expect(rows.get(r)).toEqual(formatRun(executeRun(prep, ["legacy"], r, 7 + r, false)).runs);
      }
      return [...rows.values()];
    };
    const a = await batch(["window=10us"]);
    const b = await batch(["window=200us"]);
    // Different windows: the second batch did not reuse the first one's scenario.
    expect(b).not.toEqual(a);
  });
});
