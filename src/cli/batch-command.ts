import { availableParallelism } from "node:os";
import { type countOutcomes, shownKinds } from "../analysis/outcomes.js";
import {
  type AdaptiveOptions,
  DEFAULT_MAX_RUNS,
  parseMetric,
  parseTargetHalfwidth,
} from "../batch/adaptive.js";
import { MAX_RUNS_PER_BATCH, runBatch } from "../batch/batch.js";
import { runExperiment } from "../batch/experiment.js";
import { mergeBatches } from "../batch/merge.js";
import { parseCount, parseProfiles, parseShard, seedOf } from "../batch/plan.js";
import type { SummaryRow } from "../batch/summary.js";
import { formatNs } from "../plot/units.js";
import { InputError } from "../scenario/errors.js";
import { EXIT_INTERRUPTED } from "./errors.js";
import { textTable } from "./format.js";
import { progressBar } from "./progress.js";
import { parseSeed } from "./run-command.js";
import { exitOnSignal, interruptible } from "./signals.js";

export interface BatchCommandOptions {
  preset?: string;
  scenario?: string;
  param: string[];
  set: string[];
  runs?: string;
  seed?: string;
  profiles?: string;
  workers?: string;
  shard?: string;
  out?: string;
  quiet?: boolean;
  resume?: boolean;
  force?: boolean;
  windowRuns?: string;
  targetHalfwidth?: string;
  maxRuns?: string;
  metric?: string;
}

/**
 * --runs, or --target-halfwidth with --max-runs and --metric (batch/adaptive.ts). Giving both
 * --runs and --target-halfwidth is an error rather than a precedence rule: either one silently
 * ignored would run a batch of another size than the user meant.
 */
export function parseRunCount(o: BatchCommandOptions): {
  runs: number;
  adaptive?: AdaptiveOptions;
} {
  if (o.targetHalfwidth === undefined) {
    if (o.maxRuns !== undefined) throw new InputError("--max-runs: only with --target-halfwidth");
    if (o.metric !== undefined) throw new InputError("--metric: only with --target-halfwidth");
    const runs = parseCount(o.runs, "--runs", 1);
    if (runs === undefined) {
      throw new InputError(
        "--runs: required (the number of runs), or --target-halfwidth to run until a precision",
      );
    }
    return { runs };
  }
  if (o.runs !== undefined) {
    throw new InputError(
      "--runs and --target-halfwidth: give one of them (--max-runs bounds a batch that runs to a target precision)",
    );
  }
  const target = parseTargetHalfwidth(o.targetHalfwidth);
  const maxRuns = parseCount(o.maxRuns, "--max-runs", 1) ?? DEFAULT_MAX_RUNS;
  if (maxRuns > MAX_RUNS_PER_BATCH) {
    throw new InputError(
      `--max-runs: at most ${MAX_RUNS_PER_BATCH.toLocaleString("en-US")} (its summaries keep about 25 bytes a run and profile in memory), got ${maxRuns}`,
    );
  }
  return { runs: maxRuns, adaptive: { target, maxRuns, metric: parseMetric(o.metric) } };
}

/**
 * --workers (default: the cores). More than four threads per core only costs memory (each
 * holds the model), and thousands would exhaust it: refused.
 */
export function parseWorkers(s: string | undefined): number {
  const cores = availableParallelism();
  const n = parseCount(s, "--workers", 1) ?? cores;
  if (n > 4 * cores) {
    throw new InputError(`--workers: at most ${4 * cores} (4 per core, ${cores} cores), got ${n}`);
  }
  return n;
}

export function parseWindowRuns(s: string | undefined): number {
  if (s === undefined) return 100;
  if (s === "all") return Number.POSITIVE_INFINITY;
  return parseCount(s, "--window-runs", 0)!;
}

/** `msix-sim batch`. Returns the text to print and the exit code. */
export async function batchCommand(
  o: BatchCommandOptions,
  argv: readonly string[],
  err: (text: string) => void = (t) => void process.stderr.write(t),
): Promise<{ text: string; code: number }> {
  const { runs, adaptive } = parseRunCount(o);
  const out = o.out;
  if (out === undefined) throw new InputError("--out: required (the output folder)");
  if (o.resume && o.force) throw new InputError("--resume and --force: give one of them, not both");
  const workers = parseWorkers(o.workers);
  const bar = progressBar(o.quiet ?? false);
  return interruptible(async (abort) => {
    const res = await runBatch({
      source: { preset: o.preset, scenarioFile: o.scenario, params: o.param, sets: o.set },
      runs,
      ...(adaptive === undefined ? {} : { adaptive }),
      seed: parseSeed(o.seed),
      profiles: parseProfiles(o.profiles),
      workers,
      shard: parseShard(o.shard),
      out,
      windowRuns: parseWindowRuns(o.windowRuns),
      resume: o.resume ?? false,
      force: o.force ?? false,
      commandLine: argv,
      progress: bar.update,
      // A line when the work starts, so that a log (not a terminal) shows it is under way.
      onStart: (plan, resumed) => {
        if (o.quiet) return;
        const n = plan.to - plan.from;
        if (n === 0) {
          err(
            `msix-sim batch: shard ${plan.shard.index}/${plan.shard.count} has no runs (${plan.runs} runs in ${plan.shard.count} shards); writing empty files into ${out}\n`,
          );
          return;
        }
        const seeds = `seeds ${seedOf(plan, plan.from)}..${seedOf(plan, plan.to - 1)}`;
        if (adaptive !== undefined) {
          const from = resumed > 0 ? `, resuming after ${resumed}` : "";
          err(
            `msix-sim batch: runs in chunks until the 95% interval of the ${adaptive.metric.name} rate is at most +-${adaptive.target} for every profile, at most ${n} runs (${seeds}) x ${plan.profiles.length} profiles${from}, ${workers} worker${workers > 1 ? "s" : ""}, into ${out}\n`,
          );
          return;
        }
        const left = resumed > 0 ? `, ${n - resumed} left after resuming ${resumed}` : "";
        const k = Math.min(workers, Math.max(1, n - resumed));
        err(
          `msix-sim batch: ${n} runs (${seeds}) x ${plan.profiles.length} profiles${left}, ${k} worker${k > 1 ? "s" : ""}, into ${out}\n`,
        );
      },
      abort,
    });
    bar.stop();
    if (res.status === "aborted") {
      return {
        text: `msix-sim: interrupted after ${res.done} of ${adaptive === undefined ? res.plan.to - res.plan.from : `at most ${res.plan.to}`} runs; no CSV was written. Continue with: msix-sim ${argv.filter((a) => a !== "--force" && a !== "--resume").join(" ")} --resume\n`,
        code: EXIT_INTERRUPTED,
      };
    }
    // One unit everywhere: a run is one seed under every profile (the progress bar counts them).
    const ran = res.done - res.resumed;
    const rate = res.seconds > 0 ? ran / res.seconds : 0;
    const resumed = res.resumed > 0 ? `, ${res.resumed} of them from the checkpoint` : "";
    const stopped =
      res.stop === undefined || adaptive === undefined
        ? ""
        : `stopped after ${res.stop.runs} runs (${res.stop.reason}): ${adaptive.metric.name} rate 95% half-width ${[
            ...res.stop.halfwidths,
          ]
            .map(([p, h]) => `${p} ${h.toFixed(4)}`)
            .join(", ")} (target ${adaptive.target})\n`;
    const text = o.quiet
      ? ""
      : `${summaryTable(res.summary, res.outcomes)}${conditionalLine(res.summary)}\n${stopped}wrote ${res.dir}/{runs,windows,cycles,summary,paired}.csv and manifest.json (${res.done} runs x ${res.plan.profiles.length} profiles${resumed}; ${ran} runs in ${res.seconds.toFixed(1)} s, ${rate.toFixed(1)} runs/s)\n`;
    return { text, code: 0 };
  }).finally(() => bar.stop());
}

export async function mergeCommand(
  dirs: string[],
  o: { out?: string; force?: boolean },
  argv: readonly string[],
): Promise<string> {
  if (o.out === undefined) throw new InputError("--out: required (the merged output folder)");
  const out = o.out;
  const n = await exitOnSignal(() => mergeBatches(dirs, out, o.force ?? false, argv));
  return `merged ${dirs.length} folders (${n} rows) into ${out}\n`;
}

/**
 * The conditional loss estimate per profile, when some rows have it (README: the conditional
 * loss estimator), to read beside the "runs w/ drops" column.
 */
export function conditionalLine(rows: readonly SummaryRow[]): string {
  const with_ = rows.filter((r) => Number(r.p_loss_conditional_runs) > 0);
  if (with_.length === 0) return "";
  const g = (x: unknown) => Number(x).toPrecision(4);
  const parts = with_.map(
    (r) =>
      `${r.profile} ${g(r.p_loss_conditional_mean)} (${g(r.p_loss_conditional_ci95_low)}..${g(r.p_loss_conditional_ci95_high)}, ${r.p_loss_conditional_runs} of ${r.runs} runs)`,
  );
  return `P(loss | drop windows), the conditional estimate: ${parts.join("; ")}\n`;
}

const pct = (x: unknown): string => (x === null ? "-" : `${(Number(x) * 100).toFixed(2)}%`);

/**
 * The summary as a text table. Beside link failures, how many runs had their RoCE or their setup
 * fail (and any other outcome that occurred): a profile whose driver never came up must not read
 * as "0 failed".
 */
export function summaryTable(
  rows: readonly SummaryRow[],
  outcomes: ReturnType<typeof countOutcomes> = new Map(),
): string {
  const kinds = shownKinds(outcomes).filter((k) => k.key !== "link_failed");
  const head = [
    "profile",
    "runs",
    "ok",
    "link failed",
    "95% CI",
    ...kinds.map((k) => k.label),
    "runs w/ drops",
    "mean drops",
    "window p50",
    "window p99",
    "cycles",
    "port resets",
  ];
  const body = rows.map((r) => {
    const o = outcomes.get(String(r.profile));
    return [
      String(r.profile),
      String(r.runs),
      r.outcome_ok === undefined || r.outcome_ok === null
        ? "-"
        : `${r.outcome_ok} (${pct(Number(r.outcome_ok) / Number(r.runs))})`,
      `${r.link_failures} (${pct(r.failure_rate)})`,
      r.failure_upper95_exact !== null
        ? `<= ${pct(r.failure_upper95_exact)}`
        : `${pct(r.failure_ci95_low)}..${pct(r.failure_ci95_high)}`,
      ...kinds.map((k) => {
        if (o === undefined || o.runs === 0) return "-";
        const n = o.counts[k.key] ?? 0;
        return `${n} (${pct(n / o.runs)})`;
      }),
      `${r.runs_with_drops} (${pct(r.drop_rate)})`,
      r.mean_drops === null ? "-" : Number(r.mean_drops).toFixed(2),
      r.drop_window_total_p50_ns === null ? "-" : formatNs(Number(r.drop_window_total_p50_ns)),
      r.drop_window_total_p99_ns === null ? "-" : formatNs(Number(r.drop_window_total_p99_ns)),
      r.mean_resize_cycles === null ? "-" : Number(r.mean_resize_cycles).toFixed(1),
      `${r.runs_with_resets} (${pct(r.reset_rate)})`,
    ];
  });
  const notes = [
    "ok: every run ends in one outcome (runs.csv `outcome`); link failed: the link is down for good (link_failed or reset_failed)",
    ...kinds.filter((k) => k.key !== "link_failed").map((k) => `${k.label}: ${k.description}`),
  ];
  return `${textTable(head, body).join("\n")}\n${notes.length > 0 ? `(${notes.join("; ")})\n` : ""}`;
}

export async function experimentCommand(
  file: string,
  o: { out?: string; workers?: string; force?: boolean; resume?: boolean; quiet?: boolean },
  argv: readonly string[],
  err: (text: string) => void = (t) => void process.stderr.write(t),
): Promise<{ text: string; code: number }> {
  if (o.out === undefined) throw new InputError("--out: required (the results folder)");
  const workers = parseWorkers(o.workers);
  let bar = progressBar(true);
  const say = (text: string) => {
    bar.stop();
    if (!o.quiet) err(`${text}\n`);
  };
  return interruptible(async (abort) => {
    const res = await runExperiment({
      file,
      out: o.out!,
      workers,
      force: o.force ?? false,
      resume: o.resume ?? false,
      quiet: o.quiet ?? false,
      commandLine: argv,
      abort,
      onPoint: (label, i, n) => {
        say(`[${i + 1}/${n}] ${label}`);
        bar = progressBar(o.quiet ?? false);
      },
      note: (text) => say(`  ${text}`),
      progress: (d, t) => bar.update(d, t),
    });
    bar.stop();
    if (res.status === "aborted") {
      const again = argv.filter((a) => a !== "--force" && a !== "--resume");
      return {
        text: `msix-sim: experiment interrupted; finished points are kept. Continue with: msix-sim ${again.join(" ")} --resume\n`,
        code: EXIT_INTERRUPTED,
      };
    }
    return {
      text: o.quiet
        ? ""
        : `wrote ${o.out}/summary.csv (${res.rows} rows) and one folder per grid point\n`,
      code: 0,
    };
  }).finally(() => bar.stop());
}
