import { join } from "node:path";
import { METRICS } from "../analysis/metrics.js";
import { gitCommit, toolVersion, writeCsvAtomic, writeFileAtomic } from "../batch/files.js";
import { renderSvg, specJson } from "../plot/render.js";
import { reportHtml } from "../plot/report.js";
import { type TornadoBar, tornadoSpec } from "../plot/spec-tornado.js";
import { type Cell, percent } from "../plot/summary-table.js";
import type { SensitivityOptions, SensitivityResult } from "./run.js";
import { csvRow, type EndResult, rankAssumptions, SENSITIVITY_COLUMNS } from "./table.js";

/** Files a sensitivity analysis writes in --out, beside one folder per point. */
export const SENSITIVITY_FILES = [
  "sensitivity.csv",
  "sensitivity.json",
  "tornado.svg",
  "tornado.vl.json",
  "index.html",
];

const pp = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`;

/** "+12.0 pp [+3.1, +20.9]" for an end, "-" when it was not measured. */
export function effectText(e: EndResult | null): string {
  if (e === null || e.effect === null) return "-";
  return `${pp(e.effect.effect)} pp [${pp(e.effect.low)}, ${pp(e.effect.high)}]`;
}

/** sensitivity.csv (ranked), the tornado chart, index.html and sensitivity.json, each whole. */
export async function writeSensitivity(o: SensitivityOptions, r: SensitivityResult): Promise<void> {
  const { rows, baseline } = rankAssumptions(r.outcomes);
  const metric = METRICS[o.metric];
  await writeCsvAtomic(
    join(o.out, "sensitivity.csv"),
    SENSITIVITY_COLUMNS,
    rows.map((row) => csvRow(row, baseline)),
  );
  const bars: TornadoBar[] = rows.flatMap((row) =>
    (["low", "high"] as const).flatMap((end) => {
      const e = row[end];
      // An end equal to the baseline has no bar (its effect is 0 by construction: the table says so).
      if (e === null || e.effect === null || e.status === "same") return [];
      return [{ parameter: row.assumption.name, end, value: e.label, ...pick(e.effect) }];
    }),
  );
  const baseRate = baseline.y.reduce<number>((s, y) => s + y, 0) / Math.max(1, baseline.y.length);
  const subtitle = [
    `${r.plan.baseline.resolved.label}, profile ${r.profile}, ${baseline.y.length} runs per point on seeds ${r.baseSeed}..${r.baseSeed + baseline.y.length - 1}`,
    `metric: ${metric.definition}; baseline rate ${percent(baseRate)}`,
    "bar: rate at that end minus the baseline's (paired, same seeds); line: its 95% interval",
  ];
  const spec = tornadoSpec(
    bars,
    rows.map((x) => x.assumption.name),
    `change in the rate of runs with ${metric.noun}`,
    subtitle,
  );
  const svg = await renderSvg(spec, "tornado");
  writeFileAtomic(join(o.out, "tornado.vl.json"), specJson(spec));
  writeFileAtomic(join(o.out, "tornado.svg"), svg);
  const num = (text: string, title?: string): Cell => ({
    text,
    numeric: true,
    ...(title ? { title } : {}),
  });
  const html = reportHtml({
    title: `Sensitivity: ${r.plan.baseline.resolved.label}, ${o.metric}`,
    meta: [
      subtitle[0]!,
      subtitle[1]!,
      "Each assumption moved to the low and the high end of its documented range, one at a time; effect = rate there minus the baseline's, with a paired 95% interval (normal; exact Clopper-Pearson based when fewer than 10 runs changed).",
    ],
    commandLine: ["msix-sim", ...o.commandLine].join(" "),
    summary: {
      headers: [
        { text: "rank", title: "by the larger |effect| of the two ends" },
        { text: "assumption", title: "the parameter (its --set path on hover)" },
        { text: "baseline", title: "the scenario's value" },
        { text: "low", title: "the low end" },
        { text: "effect at low", title: "percentage points, 95% interval" },
        { text: "high", title: "the high end (a switch: its alternative)" },
        { text: "effect at high", title: "percentage points, 95% interval" },
      ],
      rows: rows.map((row) => [
        num(String(row.rank)),
        {
          text: row.assumption.name,
          numeric: false,
          title: `${row.assumption.path}: ${row.assumption.meta.why}`,
        },
        { text: row.assumption.baseline, numeric: false },
        {
          text: row.low?.label ?? "-",
          numeric: false,
          ...(row.low?.why ? { title: row.low.why } : {}),
        },
        num(row.low ? endText(row.low) : "-"),
        { text: row.high.label, numeric: false, ...(row.high.why ? { title: row.high.why } : {}) },
        num(endText(row.high)),
      ]),
      notes: [
        `baseline: ${baseline.y.filter((y) => y === 1).length} of ${baseline.y.length} runs with ${metric.noun} (${percent(baseRate)})`,
      ],
    },
    fullSummary: { href: "sensitivity.csv", columns: SENSITIVITY_COLUMNS.length },
    figures: [{ name: "tornado", heading: "Tornado chart", svg }],
    notes: [],
    links: [],
  });
  writeFileAtomic(join(o.out, "index.html"), html);
  const manifest = {
    tool: "msix-sim",
    version: toolVersion(),
    git_commit: gitCommit(),
    command_line: ["msix-sim", ...o.commandLine].join(" "),
    scenario_source: r.plan.baseline.resolved.label,
    scenario: r.plan.baseline.resolved.scenario,
    metric: o.metric,
    profile: r.profile,
    runs: o.runs,
    seeds: { base: r.baseSeed, rule: "seed = base + run, at every point" },
    points: [r.plan.baseline, ...r.plan.points].map((p) => ({
      folder: p.status === "run" ? p.slug : null,
      assumption: p.assumption?.path ?? null,
      end: p.end,
      sets: p.assumption ? Object.fromEntries(p.assumption[p.end!]!.sets) : null,
      status: p.status,
      ...(p.why ? { why: p.why } : {}),
    })),
    estimate_seconds: r.estimate === null ? null : Math.round(r.estimate),
  };
  writeFileAtomic(join(o.out, "sensitivity.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

function endText(e: EndResult): string {
  if (e.status === "invalid") return `not run: ${e.why}`;
  if (e.status === "same") return "= baseline";
  return effectText(e);
}

const pick = (e: { effect: number; low: number; high: number }) => ({
  effect: e.effect,
  low: e.low,
  high: e.high,
});
