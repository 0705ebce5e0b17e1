import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { countOutcomes, outcomesOf } from "../analysis/outcomes.js";
import { csvRecords } from "../io/csv-records.js";
import { InputError } from "../scenario/errors.js";

/** One CSV file: its header and its rows (every value as written). */
export interface Table {
  file: string;
  columns: string[];
  rows: Record<string, string>[];
}

/** The parts of a batch's manifest.json the report shows. */
export interface ManifestInfo {
  scenarioSource: string | null;
  commandLine: string | null;
  version: string | null;
  gitCommit: string | null;
  runs: number | null;
  profiles: string[];
  seeds: { first: number; last: number } | null;
}

/** The output folder of `msix-sim batch` (or of one experiment grid point). */
export interface BatchResults {
  kind: "batch";
  dir: string;
  summary: Table;
  /** What the report needs of runs.csv, read as a stream (it may hold millions of rows). */
  runs: RunsDigest;
  /** cycles.csv, when the batch wrote one. */
  cycles: Table | null;
  manifest: ManifestInfo | null;
  /** Profiles in summary.csv order. */
  profiles: string[];
}

/** What the report reads of runs.csv: per profile, each run's drop-window total and outcome. */
export interface RunsDigest {
  file: string;
  columns: string[];
  /** Per profile (summary order): drop_window_total_ns of each run, in file order. */
  totals: Map<string, number[]>;
  /** Per profile: runs by outcome (analysis/outcomes.ts). */
  outcomes: ReturnType<typeof countOutcomes>;
}

export interface ExperimentPoint {
  /** Folder name, e.g. p01_nic_rate=1000. */
  slug: string;
  dir: string;
}

/** The output folder of `msix-sim experiment`. */
export interface ExperimentResults {
  kind: "experiment";
  dir: string;
  summary: Table;
  /** The grid columns: those of summary.csv before `profile`. */
  gridColumns: string[];
  profiles: string[];
  points: ExperimentPoint[];
  /** From README.md: the experiment's name, description and command line. */
  name: string | null;
  description: string | null;
  commandLine: string | null;
  /** The manifest of the first grid point (scenario source, runs, version). */
  manifest: ManifestInfo | null;
}

export type Results = BatchResults | ExperimentResults;

const BATCH_HINT =
  "expected the output folder of `msix-sim batch` (summary.csv, runs.csv, cycles.csv, manifest.json) or of `msix-sim experiment` (summary.csv and one folder per grid point)";

export function readCsv(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (text.trim() === "") throw new InputError(`${file}: empty file (no CSV header)`);
  let columns: string[] = [];
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => {
        columns = header;
        return header;
      },
      skip_empty_lines: true,
    }) as Record<string, string>[];
  } catch (e) {
    throw new InputError(`${file}: malformed CSV: ${(e as Error).message}`);
  }
  return { file, columns, rows };
}

/** Fails with a message naming the file and the missing columns. */
export function requireColumns(t: Table, names: readonly string[]): void {
  const missing = names.filter((n) => !t.columns.includes(n));
  if (missing.length > 0) {
    throw new InputError(
      `${t.file}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
  }
}

/** A numeric cell; null when empty. A non-number is an input error naming file, line and column. */
export function numberAt(t: Table, index: number, column: string): number | null {
  const raw = t.rows[index]?.[column];
  if (raw === undefined || raw === "") return null;
  const v = Number(raw);
  if (!Number.isFinite(v)) {
    throw new InputError(`${t.file}: line ${index + 2}, column ${column}: not a number: ${raw}`);
  }
  return v;
}

function distinctInOrder(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function readManifest(dir: string): ManifestInfo | null {
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${file}: malformed JSON: ${(e as Error).message}`);
  }
  const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
  const seeds = m["seeds"] as { first?: unknown; last?: unknown } | undefined;
  return {
    scenarioSource: str(m["scenario_source"]),
    commandLine: str(m["command_line"]),
    version: str(m["version"]),
    gitCommit: str(m["git_commit"]),
    runs: typeof m["runs"] === "number" ? m["runs"] : null,
    profiles: Array.isArray(m["profiles"]) ? m["profiles"].map(String) : [],
    seeds:
      seeds && typeof seeds.first === "number" && typeof seeds.last === "number"
        ? { first: seeds.first, last: seeds.last }
        : null,
  };
}

function checkFolder(dir: string): void {
  if (!existsSync(dir)) throw new InputError(`results folder ${dir} does not exist; ${BATCH_HINT}`);
  if (!statSync(dir).isDirectory()) {
    throw new InputError(`results folder ${dir} is not a folder; ${BATCH_HINT}`);
  }
  const entries = readdirSync(dir).filter((e) => !e.startsWith("."));
  if (entries.length === 0) throw new InputError(`results folder ${dir} is empty; ${BATCH_HINT}`);
  if (!existsSync(join(dir, "summary.csv"))) {
    throw new InputError(
      `results folder ${dir} has no summary.csv (found ${entries.sort().slice(0, 6).join(", ")}${entries.length > 6 ? ", ..." : ""}); ${BATCH_HINT}`,
    );
  }
}

function profilesOf(summary: Table): string[] {
  requireColumns(summary, ["profile"]);
  if (summary.rows.length === 0) throw new InputError(`${summary.file}: no rows`);
  return distinctInOrder(summary.rows.map((r) => r["profile"]!));
}

const SUMMARY_NEEDED = [
  "profile",
  "runs",
  "link_failures",
  "failure_rate",
  "failure_ci95_low",
  "failure_ci95_high",
  "drop_rate",
  "drop_rate_ci95_low",
  "drop_rate_ci95_high",
];

/**
 * runs.csv as the report needs it, streamed: a row at a time, so that a folder of a million
 * runs is read in bounded memory (8 bytes a run for the drop-window totals of the ECDF).
 */
export async function readRunsDigest(
  file: string,
  profiles: readonly string[],
): Promise<RunsDigest> {
  let columns: string[] = [];
  const totals = new Map<string, number[]>(profiles.map((p) => [p, []]));
  const outcomes = countOutcomes([], profiles);
  const need = ["run", "profile", "drop_window_total_ns"];
  const check = (cols: string[]) => {
    columns = cols;
    const missing = need.filter((n) => !cols.includes(n));
    return missing.length === 0
      ? null
      : `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
  };
  for await (const { record, line } of csvRecords(file, check)) {
    const raw = record["drop_window_total_ns"];
    const list = totals.get(record["profile"] ?? "");
    if (raw !== undefined && raw !== "" && list !== undefined) {
      const v = Number(raw);
      if (!Number.isFinite(v)) {
        throw new InputError(
          `${file}: line ${line}, column drop_window_total_ns: not a number: ${raw}`,
        );
      }
      list.push(v);
    }
    const entry = outcomes.get(record["profile"] ?? "");
    if (entry !== undefined) {
      entry.runs++;
      for (const k of outcomesOf(record)) entry.counts[k] = (entry.counts[k] ?? 0) + 1;
    }
  }
  if (columns.length === 0) throw new InputError(`${file}: empty file (no CSV header)`);
  return { file, columns, totals, outcomes };
}

/** Reads a batch folder: summary.csv and runs.csv are required, cycles.csv is optional. */
export async function readBatch(dir: string): Promise<BatchResults> {
  checkFolder(dir);
  const summary = readCsv(join(dir, "summary.csv"));
  if (summary.columns[0] !== "profile") {
    throw new InputError(
      `${summary.file}: first column is ${summary.columns[0]}, not profile: this is an experiment summary, not a batch`,
    );
  }
  requireColumns(summary, SUMMARY_NEEDED);
  const runsFile = join(dir, "runs.csv");
  if (!existsSync(runsFile))
    throw new InputError(`results folder ${dir} has no runs.csv; ${BATCH_HINT}`);
  const profiles = profilesOf(summary);
  const runs = await readRunsDigest(runsFile, profiles);
  const cyclesFile = join(dir, "cycles.csv");
  let cycles: Table | null = null;
  if (existsSync(cyclesFile)) {
    cycles = readCsv(cyclesFile);
    requireColumns(cycles, ["run", "profile", "kind", "active", "drop_window_total_ns"]);
  }
  return {
    kind: "batch",
    dir,
    summary,
    runs,
    cycles,
    manifest: readManifest(dir),
    profiles,
  };
}

/** README.md of an experiment: "# name", the description, and the indented command line. */
function readReadme(dir: string): {
  name: string | null;
  description: string | null;
  commandLine: string | null;
} {
  const file = join(dir, "README.md");
  if (!existsSync(file)) return { name: null, description: null, commandLine: null };
  const lines = readFileSync(file, "utf8").split("\n");
  const heading = lines.find((l) => l.startsWith("# "));
  const name = heading ? heading.slice(2).trim() : null;
  const start = heading ? lines.indexOf(heading) + 1 : 0;
  const description: string[] = [];
  for (const l of lines.slice(start)) {
    if (l.startsWith("Produced by")) break;
    description.push(l);
  }
  const command = lines.find((l) => /^ {4}msix-sim /.test(l));
  const desc = description.join("\n").trim();
  return {
    name,
    description: desc === "" ? null : desc,
    commandLine: command ? command.trim() : null,
  };
}

/** Reads an experiment folder: the combined summary.csv and the list of grid point folders. */
export function readExperiment(dir: string): ExperimentResults {
  checkFolder(dir);
  const summary = readCsv(join(dir, "summary.csv"));
  requireColumns(summary, SUMMARY_NEEDED);
  const gridColumns = summary.columns.slice(0, summary.columns.indexOf("profile"));
  if (gridColumns.length === 0) {
    throw new InputError(
      `${summary.file}: no grid columns before profile: this is a batch summary`,
    );
  }
  const points = readdirSync(dir)
    .filter((e) => /^p\d+_/.test(e) && existsSync(join(dir, e, "summary.csv")))
    .sort()
    .map((slug) => ({ slug, dir: join(dir, slug) }));
  return {
    kind: "experiment",
    dir,
    summary,
    gridColumns,
    profiles: profilesOf(summary),
    points,
    ...readReadme(dir),
    manifest: points.length > 0 ? readManifest(points[0]!.dir) : null,
  };
}

/** A batch folder (summary.csv starts with `profile`) or an experiment folder (grid columns first). */
export async function readResults(dir: string): Promise<Results> {
  checkFolder(dir);
  const header = readCsv(join(dir, "summary.csv")).columns;
  return header[0] === "profile" ? await readBatch(dir) : readExperiment(dir);
}
