import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { METRICS, type MetricName } from "../analysis/metrics.js";
import { baseSeedOf, contentsOf, differences, PARTIAL, runBatch } from "../batch/batch.js";
import type { BatchPlan } from "../batch/plan.js";
import type { PointsCommandOptions } from "../batch/points-options.js";
import { runPool } from "../batch/pool.js";
import { withLockedOut } from "../io/locked-out.js";
import type { ProfileName } from "../model/profiles.js";
import { InputError } from "../scenario/errors.js";
import type { ScenarioSource } from "../scenario/load.js";
import { planSensitivity, type SensitivityPlan, type SensitivityPoint } from "./plan.js";
import { SENSITIVITY_FILES, writeSensitivity } from "./write.js";

export interface SensitivityOptions extends PointsCommandOptions {
  source: ScenarioSource;
  metric: MetricName;
  /** Default: the scenario's own profile. */
  profile?: ProfileName;
  only?: readonly string[];
  /** Baseline runs timed before the start to estimate the whole (0: no estimate). */
  calibrationRuns?: number;
}

/** What one point's runs gave, in run order. */
export interface PointOutcome {
  point: SensitivityPoint;
  /** The metric per run (0/1); for "same" points the baseline's; empty for invalid ones. */
  y: (0 | 1)[];
  drops: number[];
  seconds: number;
}

export interface SensitivityResult {
  status: "done" | "aborted";
  plan: SensitivityPlan;
  profile: ProfileName;
  baseSeed: number;
  outcomes: PointOutcome[];
  /** The estimate printed before the start, in seconds (null when nothing was left to run). */
  estimate: number | null;
  seconds: number;
  /** Points run now (not kept from an earlier, interrupted analysis). */
  ran: number;
}

const pointDir = (out: string, p: SensitivityPoint) => join(out, p.slug);

/**
 * The baseline and every assumption at its low and high end, one at a time, each point a batch
 * in its own folder on the same seeds (run r has seed S + r everywhere: common random numbers,
 * so every row can be replayed with `msix-sim replay DIR/POINT --run r`).
 */
export async function runSensitivity(o: SensitivityOptions): Promise<SensitivityResult> {
  const t0 = performance.now();
  if (o.resume && o.force) throw new InputError("--resume and --force: give one of them, not both");
  const plan = planSensitivity(o.source, o.only, o.runs, o.force);
  const base = plan.baseline.resolved;
  const profile = o.profile ?? base.scenario.profile;
  const baseSeed = o.seed ?? baseSeedOf(base.scenario.seed);
  if (baseSeed > Number.MAX_SAFE_INTEGER - (o.runs - 1)) {
    throw new InputError(
      `--seed: the last run's seed, ${baseSeed} + ${o.runs - 1}, is beyond 2^53 - 1`,
    );
  }
  return withLockedOut(
    o.out,
    o.commandLine,
    () => inspect(o),
    async () => {
      if (o.force) {
        for (const f of pointFolders(o.out))
          rmSync(join(o.out, f), { recursive: true, force: true });
        for (const f of SENSITIVITY_FILES) rmSync(join(o.out, f), { force: true });
      }
      const all = [plan.baseline, ...plan.points];
      const identity = (p: SensitivityPoint) => ({
        scenario: p.resolved!.scenario,
        runs: o.runs,
        seed: baseSeed,
        profiles: [profile],
      });
      const kept = new Set(
        all.filter((p) => p.status === "run" && finishedSame(pointDir(o.out, p), identity(p))),
      );
      const toRun = all.filter((p) => p.status === "run" && !kept.has(p));
      const estimate = await announce(o, plan, toRun.length, profile, baseSeed);
      if (estimate === "aborted") return aborted();
      const outcomes: PointOutcome[] = [];
      let ran = 0;
      for (const p of all) {
        if (p.status !== "run") continue;
        const dir = pointDir(o.out, p);
        const t = performance.now();
        if (!kept.has(p)) {
          const label = p.assumption
            ? `${p.assumption.name} = ${p.assumption[p.end!]!.label}`
            : "baseline";
          o.say?.(`  ${p.slug}: ${label}\n`);
          const resume =
            existsSync(join(dir, PARTIAL, "plan.json")) && partialSame(dir, identity(p));
          const res = await runBatch({
            source: p.source,
            runs: o.runs,
            seed: baseSeed,
            profiles: [profile],
            workers: o.workers,
            shard: { index: 1, count: 1 },
            out: dir,
            windowRuns: 0,
            resume,
            force: !resume,
            commandLine: o.commandLine,
            abort: o.abort,
            progress: o.progress,
          });
          if (res.status === "aborted") return aborted();
          ran++;
          // The first point times the whole better than the calibration's cold runs did.
          if (ran === 1 && toRun.length > 1) {
            const took = (performance.now() - t) / 1000;
            o.say?.(
              `  (that point took ${took.toFixed(1)} s: about ${Math.round(took * (toRun.length - 1))} s for the other ${toRun.length - 1})\n`,
            );
          }
        } else {
          o.say?.(`  ${p.slug}: finished with the same scenario and plan: kept\n`);
        }
        outcomes.push({
          point: p,
          ...readRuns(dir, o.metric),
          seconds: (performance.now() - t) / 1000,
        });
      }
      const baseOut = outcomes[0]!;
      for (const p of plan.points) {
        if (p.status === "same")
          outcomes.push({ point: p, y: baseOut.y, drops: baseOut.drops, seconds: 0 });
        if (p.status === "invalid") outcomes.push({ point: p, y: [], drops: [], seconds: 0 });
      }
      const result: SensitivityResult = {
        status: "done",
        plan,
        profile,
        baseSeed,
        outcomes,
        estimate: typeof estimate === "number" ? estimate : null,
        seconds: (performance.now() - t0) / 1000,
        ran,
      };
      await writeSensitivity(o, result);
      return result;
    },
  );

  function aborted(): SensitivityResult {
    return {
      status: "aborted",
      plan,
      profile,
      baseSeed,
      outcomes: [],
      estimate: null,
      seconds: (performance.now() - t0) / 1000,
      ran: 0,
    };
  }
}

/**
 * Times a few baseline runs and says how long the whole will take, before it starts. Returns
 * the estimate in seconds, null when nothing is left to run, or "aborted".
 */
async function announce(
  o: SensitivityOptions,
  plan: SensitivityPlan,
  toRun: number,
  profile: ProfileName,
  baseSeed: number,
): Promise<number | null | "aborted"> {
  const skipped = plan.points.filter((p) => p.status !== "run").length;
  const skip =
    skipped > 0
      ? ` (${skipped} more need no run: an end equal to the baseline, or rejected by the scenario)`
      : "";
  if (toRun === 0) {
    o.say?.(`msix-sim sensitivity: every point is already done${skip}\n`);
    return null;
  }
  const k = Math.min(o.runs, o.calibrationRuns ?? 4 * o.workers);
  if (k <= 0) {
    o.say?.(
      `msix-sim sensitivity: ${toRun} points × ${o.runs} runs on ${o.workers} workers${skip}\n`,
    );
    return null;
  }
  const calPlan: BatchPlan = {
    runs: k,
    baseSeed,
    profiles: [profile],
    shard: { index: 1, count: 1 },
    from: 0,
    to: k,
    windowRuns: 0,
  };
  // Results arrive about perRun / workers apart once the workers are going; the first one
  // also carries the workers' start-up, paid once: the pool stays warm for every point.
  const t = performance.now();
  const arrivals: number[] = [];
  const status = await runPool({
    prep: plan.baseline.resolved.prep,
    plan: calPlan,
    todo: Array.from({ length: k }, (_, i) => i),
    workers: o.workers,
    abort: o.abort ?? { aborted: false },
    onResult: () => {
      arrivals.push((performance.now() - t) / 1000);
    },
  });
  if (status === "aborted") return "aborted";
  const first = arrivals[0]!;
  const last = arrivals[arrivals.length - 1]!;
  const gap = k > 1 ? (last - first) / (k - 1) : first;
  const startup = Math.max(0, first - gap);
  const total = startup + toRun * o.runs * gap;
  o.say?.(
    `msix-sim sensitivity: ${toRun} points × ${o.runs} runs ≈ ${Math.round(total)} s on ${o.workers} worker${o.workers > 1 ? "s" : ""} (timed from ${k} baseline runs: ${last.toFixed(1)} s)${skip}\n`,
  );
  return total;
}

function readRuns(dir: string, metric: MetricName): { y: (0 | 1)[]; drops: number[] } {
  const rows = parse(readFileSync(join(dir, "runs.csv"), "utf8"), { columns: true }) as Record<
    string,
    string
  >[];
  rows.sort((a, b) => Number(a.run) - Number(b.run));
  return {
    y: rows.map((r) => METRICS[metric].of(r)),
    drops: rows.map((r) => Number(r.irq_dropped)),
  };
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A finished batch in `dir` made with this scenario, run count, seed and profile. */
function finishedSame(dir: string, id: Record<string, unknown>): boolean {
  if (!existsSync(join(dir, "runs.csv")) || existsSync(join(dir, PARTIAL))) return false;
  const m = readJson(join(dir, "manifest.json"));
  if (m === null) return false;
  const was = {
    scenario: m.scenario,
    runs: m.runs,
    seed: (m.seeds as { base?: unknown } | undefined)?.base,
    profiles: m.profiles,
  };
  return differences(was, id).length === 0;
}

/** An interrupted batch in `dir` with this plan: resumed rather than started over. */
function partialSame(dir: string, id: Record<string, unknown>): boolean {
  const was = readJson(join(dir, PARTIAL, "plan.json")) as {
    plan?: Record<string, unknown>;
    scenario?: unknown;
  } | null;
  if (was?.plan === undefined) return false;
  return (
    differences(
      {
        scenario: was.scenario,
        runs: was.plan.runs,
        seed: was.plan.baseSeed,
        profiles: was.plan.profiles,
      },
      id,
    ).length === 0 && String(was.plan.windowRuns) === "0"
  );
}

function pointFolders(out: string): string[] {
  return existsSync(out) ? readdirSync(out).filter((f) => /^p\d+_/.test(f)) : [];
}

/** Reads (never writes) --out: empty, or --resume/--force given. */
function inspect(o: SensitivityOptions): void {
  const contents = contentsOf(o.out);
  if (o.force || contents.length === 0) return;
  if (!o.resume) {
    throw new InputError(
      `--out ${o.out}: folder is not empty; use --resume to continue a sensitivity analysis or --force to start over`,
    );
  }
  if (pointFolders(o.out).length === 0) {
    throw new InputError(`--resume: ${o.out} holds no sensitivity analysis to continue`);
  }
}
