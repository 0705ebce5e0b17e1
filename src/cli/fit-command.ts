import { METRICS } from "../analysis/metrics.js";
import { parseCount } from "../batch/plan.js";
import { type FitReport, runFit } from "../fit/fit.js";
import { fitJson } from "../fit/outputs.js";
import { formatValue } from "../fit/vary.js";
import { parseWorkers } from "./batch-command.js";
import { EXIT_INTERRUPTED } from "./errors.js";
import { progressBar } from "./progress.js";
import { parseSeed } from "./run-command.js";
import { interruptible } from "./signals.js";

export interface FitCommandOptions {
  preset?: string;
  scenario?: string;
  param: string[];
  set: string[];
  observed?: string;
  vary: string[];
  profile?: string;
  metric?: string;
  runs?: string;
  workers?: string;
  seed?: string;
  out?: string;
  json?: boolean;
  resume?: boolean;
  force?: boolean;
  quiet?: boolean;
}

import { DEFAULT_FIT_OUT, DEFAULT_FIT_RUNS } from "./fit-defaults.js";

/** `msix-sim fit`: stdout gets the result (a few lines, or one JSON object); stderr the progress. */
export async function fitCommand(
  o: FitCommandOptions,
  argv: readonly string[],
  err: (text: string) => void = (t) => void process.stderr.write(t),
): Promise<{ text: string; code: number }> {
  const runs = parseCount(o.runs, "--runs", 1) ?? DEFAULT_FIT_RUNS;
  const workers = parseWorkers(o.workers);
  const out = o.out ?? DEFAULT_FIT_OUT;
  let bar = progressBar(true);
  const say = (text: string) => {
    bar.stop();
    if (!o.quiet) err(`${text}\n`);
  };
  return interruptible(async (abort) => {
    const res = await runFit({
      preset: o.preset,
      scenarioFile: o.scenario,
      params: o.param,
      sets: o.set,
      observed: o.observed,
      vary: o.vary,
      profile: o.profile,
      metric: o.metric,
      runs,
      workers,
      seed: parseSeed(o.seed),
      out,
      resume: o.resume ?? false,
      force: o.force ?? false,
      commandLine: argv,
      abort,
      say,
      progress: (d, t) => {
        if (d === 0 || d === t) bar.stop();
        if (d === 0) bar = progressBar(o.quiet ?? false);
        bar.update(d, t);
      },
    });
    bar.stop();
    if (res.status === "aborted" || res.report === null) {
      const again = argv.filter((a) => a !== "--force" && a !== "--resume");
      return {
        text: `msix-sim: fit interrupted after ${res.points} finished points; they are kept (and the interrupted one resumes). Continue with: msix-sim ${again.join(" ")} --resume\n`,
        code: EXIT_INTERRUPTED,
      };
    }
    if (res.code !== 0) err(`msix-sim: ${res.report.result.message}\n`);
    const text = o.json ? `${JSON.stringify(fitJson(res.report))}\n` : fitText(res.report);
    return { text, code: res.code };
  }).finally(() => bar.stop());
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The result in a few lines. */
export function fitText(r: FitReport): string {
  const p = r.plan;
  const metric = METRICS[p.metric];
  const lines = [
    `observed ${p.observed.k}/${p.observed.n} = ${pct(p.observed.rate)} (Clopper-Pearson 95%: ${pct(p.observed.low)} to ${pct(p.observed.high)}); metric: ${metric.definition}; profile ${p.profile}, ${p.runs} runs per point`,
  ];
  if (r.kind === "one") {
    const a = p.axes[0]!;
    const s = r.result;
    const f = (x: number | null) => (x === null ? "none" : formatValue(a, x));
    lines.push(
      `${a.name}: estimate ${f(s.estimate)}, consistent from ${f(s.low)}${s.lowAtEdge ? " (range end)" : ""} to ${f(s.high)}${s.highAtEdge ? " (range end)" : ""} (${s.points.length} points; status ${s.status})`,
      s.message,
      ...s.warnings.map((w) => `warning: ${w}`),
    );
  } else {
    const s = r.result;
    p.axes.forEach((a, i) => {
      const rg = s.ranges[i]!;
      const f = (x: number | null) => (x === null ? "none" : formatValue(a, x));
      lines.push(`${a.name}: consistent from ${f(rg.low)} to ${f(rg.high)}`);
    });
    lines.push(`${s.message} (${s.points.length} points; status ${s.status})`);
  }
  lines.push(
    `(intervals: Clopper-Pearson 95% for the observation and every simulated point; consistent = the intervals overlap; ${r.kind === "one" ? "range edges interpolated between the last consistent point and its inconsistent neighbour" : "each parameter's range: its smallest and largest value among the consistent evaluated pairs, see fit-map.csv and fit.svg for their shape"})`,
    `wrote ${p.out}/fit.csv, ${r.kind === "two" ? "fit-map.csv, " : ""}fit.svg, fit.json and index.html; one batch folder per point (msix-sim replay ${p.out}/FOLDER --run R)`,
  );
  return `${lines.join("\n")}\n`;
}
