/**
 * What `fit` writes in --out, each file whole or not at all: fit.csv (every evaluated point),
 * fit-map.csv (two parameters: the grid), fit.json (the --json object), fit.svg with its
 * Vega-Lite spec, and index.html. The JSON object is built here once, for the file and stdout.
 */
import { join } from "node:path";
import { METRICS } from "../analysis/metrics.js";
import { writeCsvAtomic, writeFileAtomic } from "../io/files.js";
import { renderSvg, specJson } from "../plot/render.js";
import { escapeHtml } from "../plot/report.js";
import { type FitAxisSpec, fitCurveSpec, fitMapSpec } from "../plot/spec-fit.js";
import type { FitReport } from "./fit.js";
import type { Point } from "./search.js";
import { formatValue, type VaryAxis } from "./vary.js";

/** The simulated points' interval, the observed one's, and how the edges were found: said everywhere. */
export const METHOD = {
  observed_interval: "Clopper-Pearson (exact), 95%",
  simulated_interval: "Clopper-Pearson (exact), 95%",
  consistent: "the point's interval overlaps the observed interval",
  edges:
    "interpolated (on the axis's scale) between the outermost consistent point and its inconsistent neighbour, where the gap between the intervals crosses zero",
};

const r6 = (x: number | null) => (x === null ? null : Number(x.toPrecision(6)));

function axisJson(a: VaryAxis) {
  return {
    unit: a.kind === "duration" ? "ns" : null,
    range: [a.lo, a.hi],
    scale: a.log ? "log" : "linear",
  };
}

/** The object --json prints (and fit.json holds). */
export function fitJson(r: FitReport): Record<string, unknown> {
  const p = r.plan;
  const observed = `${p.observed.k}/${p.observed.n}`;
  const common = {
    observed_rate: r6(p.observed.rate),
    observed_interval: [r6(p.observed.low), r6(p.observed.high)],
    metric: p.metric,
    metric_definition: METRICS[p.metric].definition,
    profile: p.profile,
    runs: p.runs,
    seeds: `${p.seed}..${p.seed + p.runs - 1}`,
    method: METHOD,
    out: p.out,
  };
  if (r.kind === "one") {
    const s = r.result;
    const a = p.axes[0]!;
    return {
      parameter: a.name,
      estimate: r6(s.estimate),
      low: r6(s.low),
      high: r6(s.high),
      observed,
      points: s.points.length,
      status: s.status,
      message: s.message,
      ...axisJson(a),
      direction: s.direction,
      low_at_range_end: s.lowAtEdge,
      high_at_range_end: s.highAtEdge,
      consistent_gaps: s.gaps,
      observed_position: s.position,
      non_monotone:
        s.status === "non_monotone" ? { rise: s.rise, fall: s.fall, message: s.message } : null,
      warnings: s.warnings,
      ...common,
      files: ["fit.csv", "fit.svg", "fit.vl.json", "fit.json", "index.html"],
    };
  }
  const s = r.result;
  return {
    parameters: p.axes.map((a, i) => ({
      parameter: a.name,
      ...axisJson(a),
      low: r6(s.ranges[i]!.low),
      high: r6(s.ranges[i]!.high),
    })),
    map: "fit-map.csv",
    observed,
    points: s.points.length,
    status: s.status,
    message: s.message,
    best: s.best === null ? null : { values: s.best.values, rate: r6(s.best.rate) },
    refined_cells: s.refined,
    ...common,
    files: ["fit.csv", "fit-map.csv", "fit.svg", "fit.vl.json", "fit.json", "index.html"],
  };
}

function pointRow(axes: readonly VaryAxis[], p: Point, folder: string): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  axes.forEach((a, i) => {
    row[a.name] = p.values[i];
  });
  return {
    ...row,
    runs: p.n,
    failures: p.k,
    failure_rate: r6(p.rate),
    ci95_low: r6(p.low),
    ci95_high: r6(p.high),
    consistent: p.consistent ? "yes" : "no",
    stage: p.stage,
    folder,
  };
}

/** "failure_rate", not "rate": a preset parameter is called rate. */
const POINT_COLUMNS = [
  "runs",
  "failures",
  "failure_rate",
  "ci95_low",
  "ci95_high",
  "consistent",
  "stage",
  "folder",
];

export async function writeFitOutputs(
  r: FitReport,
  commandLine: readonly string[],
  folderOf: (values: readonly number[]) => string,
): Promise<void> {
  const p = r.plan;
  const names = p.axes.map((a) => a.name);
  const points = r.result.points;
  await writeCsvAtomic(
    join(p.out, "fit.csv"),
    [...names, ...POINT_COLUMNS],
    points.map((q) => pointRow(p.axes, q, folderOf(q.values))),
  );
  if (r.kind === "two") {
    const grid = points.filter((q) => q.stage === "grid");
    await writeCsvAtomic(
      join(p.out, "fit-map.csv"),
      [...names, "failure_rate", "ci95_low", "ci95_high", "consistent"],
      grid.map((q) => ({
        [names[0]!]: q.values[0],
        [names[1]!]: q.values[1],
        failure_rate: r6(q.rate),
        ci95_low: r6(q.low),
        ci95_high: r6(q.high),
        consistent: q.consistent ? "yes" : "no",
      })),
    );
  }
  const json = fitJson(r);
  writeFileAtomic(join(p.out, "fit.json"), `${JSON.stringify(json, null, 2)}\n`);
  const axisSpec = (a: VaryAxis): FitAxisSpec => ({
    name: a.name,
    log: a.log,
    duration: a.kind === "duration",
    lo: a.lo,
    hi: a.hi,
  });
  const metric = METRICS[p.metric];
  const methodLine = `intervals: ${METHOD.simulated_interval}; ${p.runs} runs per point, profile ${p.profile}, seeds ${json.seeds as string}`;
  const spec =
    r.kind === "one"
      ? fitCurveSpec({
          axis: axisSpec(p.axes[0]!),
          points,
          observed: p.observed,
          metricDefinition: metric.definition,
          estimate: r.result.estimate,
          low: r.result.low,
          high: r.result.high,
          subtitle: [
            r.result.message,
            ...r.result.warnings.map((w) => `warning: ${w}`),
            methodLine,
          ].flatMap((t) => wrap(t, 110)),
        })
      : fitMapSpec({
          axes: [axisSpec(p.axes[0]!), axisSpec(p.axes[1]!)],
          points,
          observed: p.observed,
          metricDefinition: metric.noun,
          subtitle: [r.result.message, methodLine].flatMap((t) => wrap(t, 110)),
        });
  const svg = await renderSvg(spec, "fit");
  writeFileAtomic(join(p.out, "fit.vl.json"), specJson(spec));
  writeFileAtomic(join(p.out, "fit.svg"), svg);
  writeFileAtomic(join(p.out, "index.html"), indexHtml(r, json, svg, commandLine, folderOf));
}

/** Lines of at most `width` characters, broken at spaces (SVG subtitles do not wrap). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const w of text.split(" ")) {
    if (line !== "" && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") out.push(line);
  return out;
}

const STYLE = `body{font-family:sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
p.meta{margin:2px 0;color:#444}pre{background:#f5f5f5;padding:6px 8px;overflow-x:auto}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:3px 6px}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.warn{background:#fff3cd;padding:6px 8px;border-left:4px solid #e0a800}svg{max-width:100%;height:auto}`;

function indexHtml(
  r: FitReport,
  json: Record<string, unknown>,
  svg: string,
  commandLine: readonly string[],
  folderOf: (values: readonly number[]) => string,
): string {
  const p = r.plan;
  const metric = METRICS[p.metric];
  const fmt = (a: VaryAxis, x: number | null) => (x === null ? "none" : formatValue(a, x));
  const lines: string[] = [];
  if (r.kind === "one") {
    const a = p.axes[0]!;
    const s = r.result;
    lines.push(
      `estimate: ${fmt(a, s.estimate)}`,
      `consistent range: ${fmt(a, s.low)}${s.lowAtEdge ? " (range end)" : ""} to ${fmt(a, s.high)}${s.highAtEdge ? " (range end)" : ""}`,
      `direction: ${s.direction ?? "none"}`,
    );
  } else {
    const ranges = r.result.ranges;
    p.axes.forEach((a, i) => {
      lines.push(
        `${a.name}: consistent from ${fmt(a, ranges[i]!.low)} to ${fmt(a, ranges[i]!.high)} (evaluated points)`,
      );
    });
  }
  const doubts = r.kind === "one" ? r.result.warnings : [];
  const warn = [
    ...(r.result.status === "ok"
      ? []
      : [
          `<p class="warn"><b>${escapeHtml(r.result.status.replace("_", " "))}</b>: ${escapeHtml(r.result.message)}</p>`,
        ]),
    ...doubts.map((w) => `<p class="warn"><b>warning</b>: ${escapeHtml(w)}</p>`),
  ].join("\n");
  const rows = r.result.points
    .map((q) => {
      const cells = [
        ...p.axes.map((a, i) => formatValue(a, q.values[i]!)),
        `${q.k}/${q.n}`,
        `${(q.rate * 100).toFixed(1)}%`,
        `${(q.low * 100).toFixed(1)}% to ${(q.high * 100).toFixed(1)}%`,
        q.consistent ? "yes" : "no",
        q.stage,
      ];
      const folder = folderOf(q.values);
      return `<tr>${cells.map((c) => `<td class="n">${escapeHtml(c)}</td>`).join("")}<td><a href="${escapeHtml(folder)}/">${escapeHtml(folder)}</a></td></tr>`;
    })
    .join("\n");
  const head = [
    ...p.axes.map((a) => a.name),
    "failures",
    "rate",
    "95% interval",
    "consistent",
    "stage",
    "batch",
  ];
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>msix-sim fit: ${escapeHtml(p.axes.map((a) => a.name).join(", "))}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    `<h1>Fit of ${escapeHtml(p.axes.map((a) => a.name).join(" and "))} to ${p.observed.k}/${p.observed.n}</h1>`,
    `<p class="meta">metric: ${escapeHtml(metric.definition)}; profile ${escapeHtml(p.profile)}; ${p.runs} runs per point (seeds ${escapeHtml(String(json.seeds))}, the same at every point)</p>`,
    `<p class="meta">observed ${p.observed.k}/${p.observed.n}: ${METHOD.observed_interval} ${(p.observed.low * 100).toFixed(2)}% to ${(p.observed.high * 100).toFixed(2)}%; simulated points: ${METHOD.simulated_interval}; consistent: ${METHOD.consistent}; range edges ${METHOD.edges}</p>`,
    `<pre>${escapeHtml(["msix-sim", ...commandLine].join(" "))}</pre>`,
    warn,
    `<p>${escapeHtml(r.result.message)}</p>`,
    `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>`,
    "<h2>Chart</h2>",
    `<figure>${svg.trimEnd()}<figcaption>fit.svg; Vega-Lite spec with its data: fit.vl.json</figcaption></figure>`,
    "<h2>Evaluated points</h2>",
    `<p class="meta">Every point is a batch in its folder: <code>msix-sim replay DIR/FOLDER --run R</code> replays one run. All of them: <a href="fit.csv">fit.csv</a>${r.kind === "two" ? ', the grid: <a href="fit-map.csv">fit-map.csv</a>' : ""}; the result: <a href="fit.json">fit.json</a>.</p>`,
    `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>\n${rows}\n</tbody></table>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
