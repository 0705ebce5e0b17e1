import { rmSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { checkOutDir, makeOutDir, writeFileAtomic } from "../io/files.js";
import { checkNotLocked, lockFolder } from "../io/lock.js";
import { InputError } from "../scenario/errors.js";
import {
  type BatchResults,
  type ExperimentResults,
  type ManifestInfo,
  numberAt,
  type RunsDigest,
  readBatch,
  readResults,
  readRunsDigest,
  type Table,
} from "./read-results.js";
import { renderSvg, specJson } from "./render.js";
import { type Figure, type ReportLink, reportHtml } from "./report.js";
import { listText } from "./spec-common.js";
import { cyclesSpec } from "./spec-cycles.js";
import { dropEcdfSpec } from "./spec-drop-ecdf.js";
import { anyEvent, FAILURE, failureFacetSpec, failureSpec, LOSS } from "./spec-failure.js";
import { hasOutcomes, outcomesSpec } from "./spec-outcomes.js";
import { sweepSpec } from "./spec-sweep.js";
import { percent, type RowOutcomes, shortSummary } from "./summary-table.js";

export interface PlotOptions {
  /** Output folder; default: the results folder itself. */
  out?: string;
  /** Experiment folders: also plot every grid point into its own subfolder (default true). */
  points?: boolean;
}

export interface PlotOutput {
  kind: "batch" | "experiment";
  out: string;
  /** Files written, relative to `out`, in writing order. */
  files: string[];
  /** Plots that could not be drawn, and why. */
  notes: string[];
}

interface PlotJob {
  name: string;
  heading: string;
  spec: TopLevelSpec;
}

/** A plot to draw, or a line of text where the plot would show only zeros. */
type Section = PlotJob | { name: string; heading: string; text: string };

/**
 * Renders each plot to NAME.svg + NAME.vl.json in `out` and returns the report's figures in
 * order; a text section removes the files an earlier plot of that name left.
 */
async function renderSections(
  sections: Section[],
  out: string,
  files: string[],
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const job of sections) {
    if ("text" in job) {
      for (const ext of [".svg", ".vl.json"])
        rmSync(join(out, `${job.name}${ext}`), { force: true });
      figures.push({ name: job.name, heading: job.heading, text: job.text });
      continue;
    }
    const svg = await renderSvg(job.spec, job.name);
    writeFileAtomic(join(out, `${job.name}.svg`), svg);
    writeFileAtomic(join(out, `${job.name}.vl.json`), specJson(job.spec));
    files.push(`${job.name}.svg`, `${job.name}.vl.json`);
    figures.push({ name: job.name, heading: job.heading, svg });
  }
  return figures;
}

/** The link failure plot, or one line when no run of any profile failed. */
function failureSection(summary: Table, plot: () => PlotJob, where: string): Section {
  if (anyEvent(summary, FAILURE)) return plot();
  const bounds = summary.rows.map((_r, i) => numberAt(summary, i, "failure_upper95_exact"));
  const worst = Math.max(...bounds.map((b) => b ?? 0));
  return {
    name: "failure-rate",
    heading: "Link failure rate",
    text: `No link failure in any run ${where}${worst > 0 ? ` (exact one-sided 95% upper bound of the failure rate: at most ${percent(worst)})` : ""}.`,
  };
}

/** The summary row outcomes (RoCE, setup failures...) of a batch, from its runs.csv. */
function batchOutcomes(summary: Table, runs: RunsDigest): RowOutcomes {
  return summary.rows.map((row) => runs.outcomes.get(row["profile"] ?? "")?.counts ?? {});
}

/**
 * The summary row outcomes of an experiment: each grid point's runs.csv, matched to the
 * summary's rows (points in order, each with its profiles); null when they do not line up.
 */
async function experimentOutcomes(r: ExperimentResults): Promise<[RowOutcomes | null, boolean]> {
  const n = r.profiles.length;
  if (r.points.length === 0 || r.summary.rows.length !== r.points.length * n) return [null, false];
  const out: RowOutcomes = [];
  let column = true;
  for (const [k, p] of r.points.entries()) {
    let runs: RunsDigest;
    try {
      runs = await readRunsDigest(join(p.dir, "runs.csv"), r.profiles);
    } catch {
      return [null, false];
    }
    column &&= runs.columns.includes("outcome");
    const counts = runs.outcomes;
    for (let j = 0; j < n; j++) {
      const row = r.summary.rows[k * n + j]!;
      out.push(counts.get(row["profile"] ?? "")?.counts ?? null);
    }
  }
  return [out, column];
}

/** The link from the report to the full summary.csv. */
function fullSummary(out: string, t: Table): { href: string; columns: number } {
  return { href: encodeURI(relative(out, t.file)), columns: t.columns.length };
}

/** Runs per profile: from the manifest, else from summary.csv when every row agrees. */
function runsText(manifest: ManifestInfo | null, summary: Table): string {
  const seeds = manifest?.seeds ? ` (seeds ${manifest.seeds.first}..${manifest.seeds.last})` : "";
  if (manifest?.runs != null) return `${manifest.runs} runs per profile${seeds}`;
  const runs = [...new Set(summary.rows.map((_r, i) => numberAt(summary, i, "runs")))];
  return runs.length === 1 ? `${runs[0]} runs per profile` : "runs per profile: see the table";
}

function toolText(m: ManifestInfo | null): string[] {
  if (!m?.version) return [];
  return [`msix-sim ${m.version}${m.gitCommit ? `, commit ${m.gitCommit.slice(0, 12)}` : ""}`];
}

/** How a grid point's report names itself and links back to its experiment's report. */
interface PointContext {
  title: string;
  parent: ReportLink;
}

async function plotBatch(r: BatchResults, out: string, point?: PointContext): Promise<PlotOutput> {
  makeOutDir(out);
  const files: string[] = [];
  const notes: string[] = [];
  const sections: Section[] = [
    ...(hasOutcomes(r.summary)
      ? [{ name: "outcomes", heading: "Outcomes", spec: outcomesSpec(r.summary, r.profiles) }]
      : []),
    {
      name: "loss-rate",
      heading: "Loss probability",
      spec: failureSpec(r.summary, r.profiles, LOSS),
    },
    failureSection(
      r.summary,
      () => ({
        name: "failure-rate",
        heading: "Link failure rate",
        spec: failureSpec(r.summary, r.profiles),
      }),
      "of any profile",
    ),
    {
      name: "drop-windows",
      heading: "Drop-window total per run",
      spec: dropEcdfSpec(r.runs.totals, r.profiles),
    },
  ];
  if (r.cycles) {
    sections.push({
      name: "cycle-windows",
      heading: "Drop window per resize cycle",
      spec: cyclesSpec(r.cycles, r.profiles),
    });
  } else {
    notes.push("cycle-windows: this batch has no cycles.csv (written by newer msix-sim versions)");
  }
  const figures = await renderSections(sections, out, files);
  const m = r.manifest;
  const html = reportHtml({
    title: point?.title ?? `msix-sim batch: ${m?.scenarioSource ?? basename(resolve(r.dir))}`,
    meta: [`${runsText(m, r.summary)}; profiles ${listText(r.profiles)}`, ...toolText(m)],
    commandLine: m?.commandLine ?? null,
    summary: shortSummary(
      r.summary,
      [],
      batchOutcomes(r.summary, r.runs),
      r.runs.columns.includes("outcome"),
    ),
    fullSummary: fullSummary(out, r.summary),
    figures,
    notes,
    links: [],
    ...(point ? { parent: point.parent } : {}),
  });
  writeFileAtomic(join(out, "index.html"), html);
  files.push("index.html");
  return { kind: "batch", out, files, notes };
}

async function plotExperiment(
  r: ExperimentResults,
  out: string,
  withPoints: boolean,
): Promise<PlotOutput> {
  makeOutDir(out);
  const files: string[] = [];
  const notes: string[] = [];
  const sections: Section[] = [
    {
      name: "sweep",
      heading: "Across the grid",
      spec: sweepSpec(r.summary, r.gridColumns, r.profiles),
    },
    ...(hasOutcomes(r.summary)
      ? [
          {
            name: "outcomes",
            heading: "Outcomes per grid point",
            spec: outcomesSpec(r.summary, r.profiles, r.gridColumns),
          },
        ]
      : []),
    failureSection(
      r.summary,
      () => ({
        name: "failure-rate",
        heading: "Link failure rate per grid point",
        spec: failureFacetSpec(r.summary, r.gridColumns, r.profiles),
      }),
      "at any grid point, under any profile",
    ),
  ];
  const figures = await renderSections(sections, out, files);
  const links: ReportLink[] = [];
  const experimentName = r.name ?? basename(resolve(r.dir));
  for (const p of r.points) {
    const label = p.slug.replace(/^p\d+_/, "");
    if (!withPoints) {
      // The point's own folder (its batch files), relative to where the report is written.
      links.push({ href: `${encodeURI(relative(out, p.dir) || ".")}/`, label, detail: "(folder)" });
      continue;
    }
    try {
      const sub = await plotBatch(await readBatch(p.dir), join(out, p.slug), {
        title: `msix-sim experiment ${experimentName}: ${label}`,
        parent: {
          href: "../index.html",
          label: "experiment report",
          detail: `(${experimentName})`,
        },
      });
      files.push(...sub.files.map((f) => `${p.slug}/${f}`));
      const svgs = sub.files.filter((f) => f.endsWith(".svg")).map((f) => f.replace(/\.svg$/, ""));
      links.push({
        href: `${encodeURI(p.slug)}/index.html`,
        label,
        detail: `(${svgs.join(", ")})`,
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      notes.push(`${p.slug}: not plotted: ${e.message}`);
    }
  }
  const values = r.gridColumns.map((c) => {
    const v = [...new Set(r.summary.rows.map((row) => row[c] ?? ""))];
    return `${c} = ${v.join(", ")}`;
  });
  const m = r.manifest;
  const html = reportHtml({
    title: `msix-sim experiment: ${experimentName}`,
    meta: [
      ...(r.description ? [r.description] : []),
      // The manifest read is the first point's: when the grid varies the preset, that one
      // preset is not the experiment's scenario.
      ...(r.gridColumns.includes("preset")
        ? ["scenario: the preset of each grid point"]
        : m?.scenarioSource
          ? [`scenario: ${m.scenarioSource}`]
          : []),
      `${runsText(m, r.summary)} at each grid point; profiles ${listText(r.profiles)}`,
      `grid: ${values.join("; ")} (${r.points.length} point folders)`,
      ...toolText(m),
    ],
    commandLine: r.commandLine,
    summary: shortSummary(r.summary, r.gridColumns, ...(await experimentOutcomes(r))),
    fullSummary: fullSummary(out, r.summary),
    figures,
    notes,
    links,
  });
  writeFileAtomic(join(out, "index.html"), html);
  files.push("index.html");
  return { kind: "experiment", out, files, notes };
}

/** `msix-sim plot DIR`: SVG plots, their Vega-Lite specs and index.html for a results folder. */
export async function plotResults(dir: string, o: PlotOptions = {}): Promise<PlotOutput> {
  const out = o.out ?? dir;
  if (o.out !== undefined) checkOutDir(o.out);
  checkNotLocked(dir, `results folder ${dir}`);
  const r = await readResults(dir);
  makeOutDir(out);
  const release = lockFolder(out, "msix-sim plot");
  try {
    return await (r.kind === "batch"
      ? plotBatch(r, out)
      : plotExperiment(r, out, o.points ?? true));
  } finally {
    release();
  }
}
