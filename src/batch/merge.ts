import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { RUN_COLUMNS } from "../analysis/run-row.js";
import { errnoText } from "../io/files.js";
import { checkNotLocked, lockFolder } from "../io/lock.js";
import { InputError, parseWith } from "../scenario/errors.js";
import { contentsOf, summaryInputOf } from "./batch.js";
import { CYCLE_COLUMNS, WINDOW_COLUMNS } from "./execute.js";
import { checkOutDir, makeOutDir, writeCsvAtomic, writeFileAtomic } from "./files.js";
import { PAIRED_COLUMNS, pairedSummary, SUMMARY_COLUMNS, summarize } from "./summary.js";

/** What merge needs of a shard's manifest.json (the rest is carried over as it is). */
const ManifestSchema = z
  .object({
    scenario: z.record(z.string(), z.unknown()),
    profiles: z.array(z.string()).min(1),
    runs: z.number().int().min(1),
    shard: z.string().regex(/^\d+\/\d+$/),
    run_range: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
    seeds: z.object({ base: z.number().int().min(0) }).loose(),
    window_runs: z.union([z.number().int().min(0), z.literal("all")]),
    started_at: z.string(),
    command_line: z.string().optional(),
    version: z.string().optional(),
    git_commit: z.string().nullable().optional(),
  })
  .loose()
  .refine((m) => m.run_range[0] <= m.run_range[1] && m.run_range[1] <= m.runs, {
    message: "run_range must lie within [0, runs]",
    path: ["run_range"],
  });
type Manifest = z.output<typeof ManifestSchema>;

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`merge: cannot read ${path}${what}: ${errnoText(e)}`);
  }
}

function readManifest(dir: string): { m: Manifest; raw: Record<string, unknown> } {
  const p = join(dir, "manifest.json");
  const text = readText(p, " (a finished batch folder has one)");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`merge: ${p} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return { m: parseWith(ManifestSchema, data), raw: data as Record<string, unknown> };
  } catch (e) {
    throw new InputError(`merge: ${p} is not the manifest of a batch: ${(e as Error).message}`);
  }
}

interface Line {
  run: number;
  line: string;
}

/** Data lines of a CSV file, each with the run number of its first column; checks the header. */
function linesOf(path: string, header: string): Line[] {
  const text = readText(path, "");
  if (text !== "" && !text.endsWith("\n")) {
    throw new InputError(`merge: ${path} ends in the middle of a line (a torn or truncated file)`);
  }
  const lines = text.split("\n");
  lines.pop();
  if (lines[0] !== header) {
    throw new InputError(`merge: ${path} does not have the expected columns`);
  }
  return lines.slice(1).map((line, i) => {
    const run = Number(line.slice(0, line.indexOf(",")));
    if (!Number.isSafeInteger(run)) {
      throw new InputError(`merge: ${path}: line ${i + 2} does not start with a run number`);
    }
    return { run, line };
  });
}

interface Shard {
  dir: string;
  m: Manifest;
  raw: Record<string, unknown>;
  from: number;
  to: number;
}

/**
 * runs.csv of a shard holds exactly its runs, each under every profile, in order, with the
 * seed of the batch's rule; windows.csv and cycles.csv only runs of its range.
 */
function checkShard(s: Shard, runs: Line[], windows: Line[], cycles: Line[]): void {
  const expected = (s.to - s.from) * s.m.profiles.length;
  const where = join(s.dir, "runs.csv");
  if (runs.length !== expected) {
    throw new InputError(
      `merge: ${where} has ${runs.length} rows; its manifest (runs ${s.from}..${s.to - 1} x ${s.m.profiles.length} profiles) needs ${expected}: the shard is incomplete or was changed`,
    );
  }
  let i = 0;
  for (let run = s.from; run < s.to; run++) {
    for (const profile of s.m.profiles) {
      const [r, seed, p] = runs[i]!.line.split(",", 3);
      if (Number(r) !== run || Number(seed) !== s.m.seeds.base + run || p !== profile) {
        throw new InputError(
          `merge: ${where}: line ${i + 2} should be run ${run}, seed ${s.m.seeds.base + run}, profile ${profile}`,
        );
      }
      i++;
    }
  }
  for (const [name, lines] of [
    ["windows.csv", windows],
    ["cycles.csv", cycles],
  ] as const) {
    const bad = lines.find((l) => l.run < s.from || l.run >= s.to);
    if (bad !== undefined) {
      throw new InputError(
        `merge: ${join(s.dir, name)} has run ${bad.run}, outside the shard's runs ${s.from}..${s.to - 1}`,
      );
    }
  }
}

/**
 * Merges shard folders of one batch into files byte-identical to the unsharded batch: data
 * lines are copied as they are, in run order; summaries are recomputed from runs.csv. Every
 * shard is checked against its manifest before anything is written.
 */
export async function mergeBatches(
  dirs: readonly string[],
  out: string,
  force: boolean,
  commandLine: readonly string[] = [],
): Promise<number> {
  if (dirs.length === 0) throw new InputError("merge: give at least one batch folder");
  checkOutDir(out);
  const twice = dirs.find((d) => resolve(d) === resolve(out));
  if (twice !== undefined) {
    throw new InputError(`--out ${out}: is one of the folders to merge; give another folder`);
  }
  const shards: Shard[] = dirs.map((dir) => {
    const { m, raw } = readManifest(dir);
    return { dir, m, raw, from: m.run_range[0], to: m.run_range[1] };
  });
  const first = shards[0]!.m;
  const firstRaw = shards[0]!.raw;
  const key = (m: Manifest) =>
    JSON.stringify([m.scenario, m.profiles, m.runs, m.seeds.base, m.window_runs]);
  for (const s of shards) {
    if (key(s.m) !== key(first)) {
      throw new InputError(
        `merge: ${s.dir} is from another batch (scenario, profiles, runs, seed or window runs differ)`,
      );
    }
  }
  shards.sort((a, b) => a.from - b.from);
  let next = 0;
  for (const s of shards) {
    if (s.from !== next) {
      throw new InputError(
        s.from < next
          ? `merge: ${s.dir} overlaps another shard at run ${s.from}`
          : `merge: runs ${next}..${s.from - 1} are missing`,
      );
    }
    next = s.to;
  }
  if (next !== first.runs)
    throw new InputError(`merge: runs ${next}..${first.runs - 1} are missing`);
  if (contentsOf(out).length > 0 && !force) {
    throw new InputError(`--out ${out}: folder is not empty; use --force to overwrite`);
  }
  checkNotLocked(out);

  const runsHeader = RUN_COLUMNS.join(",");
  const windowsHeader = WINDOW_COLUMNS.join(",");
  const cyclesHeader = CYCLE_COLUMNS.join(",");
  const runLines: Line[] = [];
  const windowLines: Line[] = [];
  const cycleLines: Line[] = [];
  for (const s of shards) {
    const runs = linesOf(join(s.dir, "runs.csv"), runsHeader);
    const windows = linesOf(join(s.dir, "windows.csv"), windowsHeader);
    const cycles = linesOf(join(s.dir, "cycles.csv"), cyclesHeader);
    checkShard(s, runs, windows, cycles);
    runLines.push(...runs);
    windowLines.push(...windows);
    cycleLines.push(...cycles);
  }

  makeOutDir(out);
  const release = lockFolder(out, ["msix-sim", ...commandLine].join(" "));
  try {
    const text = (header: string, lines: Line[]) =>
      `${[header, ...lines.map((x) => x.line)].join("\n")}\n`;
    writeFileAtomic(join(out, "cycles.csv"), text(cyclesHeader, cycleLines));
    writeFileAtomic(join(out, "runs.csv"), text(runsHeader, runLines));
    writeFileAtomic(join(out, "windows.csv"), text(windowsHeader, windowLines));
    const records = parse(runLines.map((x) => x.line).join("\n"), {
      columns: [...RUN_COLUMNS],
    }) as Array<Record<string, string>>;
    const inputs = records.map(summaryInputOf);
    await writeCsvAtomic(
      join(out, "summary.csv"),
      SUMMARY_COLUMNS,
      summarize(inputs, first.profiles),
    );
    await writeCsvAtomic(
      join(out, "paired.csv"),
      PAIRED_COLUMNS,
      pairedSummary(inputs, first.profiles),
    );
    // The manifest of the merged batch: what the unsharded batch's would say, plus where its
    // parts came from.
    const base = first.seeds.base;
    const manifest = {
      ...firstRaw,
      command_line: ["msix-sim", ...commandLine].join(" "),
      shard: "1/1",
      run_range: [0, first.runs],
      seeds: { ...(firstRaw.seeds as object), first: base, last: base + first.runs - 1 },
      merged_from: shards.map((s) => ({
        dir: s.dir,
        shard: s.m.shard,
        run_range: [s.from, s.to],
        command_line: s.m.command_line ?? null,
        version: s.m.version ?? null,
        git_commit: s.m.git_commit ?? null,
      })),
      started_at: shards.map((s) => s.m.started_at).sort()[0],
      finished_at: new Date().toISOString(),
    };
    writeFileAtomic(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    return records.length;
  } finally {
    release();
  }
}
