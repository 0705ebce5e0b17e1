import { METRIC_NAMES, type MetricName } from "../analysis/metrics.js";
import { parseCount } from "../batch/plan.js";
import { PROFILE_NAMES, type ProfileName } from "../model/profiles.js";
import { InputError } from "../scenario/errors.js";
import { runSensitivity } from "../sensitivity/run.js";
import { type EndResult, rankAssumptions } from "../sensitivity/table.js";
import { effectText } from "../sensitivity/write.js";
import { parseWorkers } from "./batch-command.js";
import { EXIT_INTERRUPTED } from "./errors.js";
import { textTable } from "./format.js";
import { parseSeed } from "./run-command.js";
import { interruptible } from "./signals.js";

/**
 * Default runs per point: every shipped preset's analysis then takes a few minutes on 2 cores
 * (README, "Which assumption matters", gives the measured times).
 */
export const DEFAULT_SENSITIVITY_RUNS = 20;

export interface SensitivityCommandOptions {
  preset?: string;
  scenario?: string;
  param: string[];
  set: string[];
  metric?: string;
  profile?: string;
  runs?: string;
  workers?: string;
  seed?: string;
  out?: string;
  only?: string;
  resume?: boolean;
  force?: boolean;
  json?: boolean;
}

export function parseMetric(s: string | undefined): MetricName {
  const m = s ?? "link_failed";
  if (!(METRIC_NAMES as readonly string[]).includes(m)) {
    throw new InputError(`--metric: unknown metric "${m}" (known: ${METRIC_NAMES.join(", ")})`);
  }
  return m as MetricName;
}

function parseProfile(s: string | undefined): ProfileName | undefined {
  if (s === undefined) return undefined;
  if (!(PROFILE_NAMES as readonly string[]).includes(s)) {
    throw new InputError(`--profile: unknown profile "${s}" (known: ${PROFILE_NAMES.join(", ")})`);
  }
  return s as ProfileName;
}

function parseOnly(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  const list = s.split(",").map((x) => x.trim());
  if (list.some((x) => x === "")) throw new InputError(`--only: an empty name in "${s}"`);
  return list;
}

/** `msix-sim sensitivity`: the ranking as text (or one JSON object) and the exit code. */
export async function sensitivityCommand(
  o: SensitivityCommandOptions,
  argv: readonly string[],
  err: (text: string) => void,
): Promise<{ text: string; code: number }> {
  const metric = parseMetric(o.metric);
  const profile = parseProfile(o.profile);
  const runs = parseCount(o.runs, "--runs", 2) ?? DEFAULT_SENSITIVITY_RUNS;
  const workers = parseWorkers(o.workers);
  if (o.out === undefined) throw new InputError("--out: required (the output folder)");
  const out = o.out;
  const only = parseOnly(o.only);
  const seed = parseSeed(o.seed);
  return interruptible(async (abort) => {
    const res = await runSensitivity({
      source: { preset: o.preset, scenarioFile: o.scenario, params: o.param, sets: o.set },
      metric,
      ...(profile ? { profile } : {}),
      runs,
      ...(seed !== undefined ? { seed } : {}),
      workers,
      out,
      ...(only ? { only } : {}),
      resume: o.resume ?? false,
      force: o.force ?? false,
      commandLine: argv,
      abort,
      say: err,
    });
    if (res.status === "aborted") {
      return {
        text: `msix-sim: interrupted; the points finished so far are kept in ${out}. Continue with: msix-sim ${argv.filter((a) => a !== "--force" && a !== "--resume").join(" ")} --resume\n`,
        code: EXIT_INTERRUPTED,
      };
    }
    const { rows, baseline } = rankAssumptions(res.outcomes);
    const baseRate = baseline.y.reduce<number>((s, y) => s + y, 0) / baseline.y.length;
    if (o.json) {
      const obj = {
        metric,
        profile: res.profile,
        runs,
        baseline_rate: baseRate,
        ranking: rows.map((r) => ({
          rank: r.rank,
          parameter: r.assumption.name,
          set_path: r.assumption.path,
          low: r.low ? endJson(r.low) : null,
          high: endJson(r.high),
        })),
        seconds: Math.round(res.seconds * 10) / 10,
      };
      return { text: `${JSON.stringify(obj)}\n`, code: 0 };
    }
    const head = [
      "rank",
      "assumption",
      "baseline",
      "low",
      "effect at low (pp, 95%)",
      "high",
      "effect at high (pp, 95%)",
    ];
    const body = rows.map((r) => [
      String(r.rank),
      r.assumption.name,
      r.assumption.baseline,
      r.low?.label ?? "-",
      r.low === null ? "-" : cellOf(r.low),
      r.high.label,
      cellOf(r.high),
    ]);
    const ones = baseline.y.filter((y) => y === 1).length;
    const text = [
      `metric ${metric}, profile ${res.profile}: baseline ${ones}/${baseline.y.length} runs (${(baseRate * 100).toFixed(1)}%)`,
      ...textTable(head, body),
      `wrote ${out}/{sensitivity.csv,tornado.svg,index.html} and a batch folder per point (${res.ran} points run, ${res.seconds.toFixed(1)} s${res.estimate !== null ? `; estimated ${Math.round(res.estimate)} s` : ""})`,
      "",
    ].join("\n");
    return { text, code: 0 };
  });
}

function cellOf(e: EndResult): string {
  if (e.status === "invalid") return "not run (rejected)";
  if (e.status === "same") return "= baseline";
  return effectText(e);
}

function endJson(e: EndResult) {
  return {
    value: e.label,
    status: e.status,
    rate: e.rate,
    effect: e.effect?.effect ?? null,
    ci95: e.effect ? [e.effect.low, e.effect.high] : null,
  };
}
