import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBatch } from "../batch/batch.js";
import type { ProfileName } from "../model/profiles.js";

/**
 * Batch throughput: `runs` runs of a preset (with `--param` assignments) under `profiles` on
 * `workers` threads, outputs included. Events are those dispatched, in the queue or in place.
 */
export async function batchThroughput(
  preset: string,
  profiles: ProfileName[],
  runs: number,
  workers: number,
  params: string[] = [],
): Promise<{ runs_per_s: number; events_per_s: number; events_per_run: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), "msix-sim-bench-"));
  try {
    const r = await runBatch({
      source: { preset, params },
      runs,
      seed: 1,
      profiles,
      workers,
      shard: { index: 1, count: 1 },
      out: join(dir, "out"),
      windowRuns: 0,
      resume: false,
      force: true,
      commandLine: ["bench"],
    });
    const simRuns = runs * profiles.length;
    return {
      runs_per_s: simRuns / r.seconds,
      events_per_s: r.events / r.seconds,
      events_per_run: r.events / simRuns,
      seconds: r.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
