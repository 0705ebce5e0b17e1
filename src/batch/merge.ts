import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { RUN_COLUMNS } from "../analysis/run-row.js";
import { checkNotLocked, lockFolder } from "../io/lock.js";
import { InputError } from "../scenario/errors.js";
import { contentsOf, summaryInputOf } from "./batch.js";
import { CYCLE_COLUMNS, WINDOW_COLUMNS } from "./execute.js";
import { checkOutDir, makeOutDir, writeCsvAtomic, writeFileAtomic } from "./files.js";
import { PAIRED_COLUMNS, pairedSummary, SUMMARY_COLUMNS, summarize } from "./summary.js";

interface Manifest {
  scenario: unknown;
  profiles: string[];
  runs: number;
  shard: string;
  run_range: [number, number];
  seeds: { base: number };
  window_runs: number | "all";
  started_at: string;
  [k: string]: unknown;
}

function readManifest(dir: string): Manifest {
  const p = join(dir, "manifest.json");
  if (!existsSync(p))
    throw new InputError(`merge: ${dir} has no manifest.json (not a finished batch)`);
  return JSON.parse(readFileSync(p, "utf8")) as Manifest;
}

/** Data lines of a CSV file, keyed by the run number in the first column. */
function linesByRun(path: string, header: string): Array<{ run: number; line: string }> {
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n").filter((l) => l !== "");
  if (lines[0] !== header)
    throw new InputError(`merge: ${path} does not have the expected columns`);
  return lines.slice(1).map((line) => ({ run: Number(line.slice(0, line.indexOf(","))), line }));
}

/**
 * Merges shard folders of one batch into files byte-identical to the unsharded batch: data
 * lines are copied as they are, in run order; summaries are recomputed from runs.csv.
 */
export async function mergeBatches(
  dirs: readonly string[],
  out: string,
  force: boolean,
): Promise<number> {
  if (dirs.length === 0) throw new InputError("merge: give at least one batch folder");
  checkOutDir(out);
  const manifests = dirs.map(readManifest);
  const first = manifests[0]!;
  const key = (m: Manifest) =>
    JSON.stringify([m.scenario, m.profiles, m.runs, m.seeds.base, m.window_runs]);
  manifests.forEach((m, i) => {
    if (key(m) !== key(first)) {
      throw new InputError(
        `merge: ${dirs[i]} is from another batch (scenario, profiles, runs, seed or window runs differ)`,
      );
    }
  });
  const ranges = manifests.map((m, i) => ({
    from: m.run_range[0],
    to: m.run_range[1],
    dir: dirs[i]!,
    shard: m.shard,
  }));
  ranges.sort((a, b) => a.from - b.from);
  let next = 0;
  for (const r of ranges) {
    if (r.from !== next) {
      throw new InputError(
        r.from < next
          ? `merge: ${r.dir} overlaps another shard at run ${r.from}`
          : `merge: runs ${next}..${r.from - 1} are missing`,
      );
    }
    next = r.to;
  }
  if (next !== first.runs)
    throw new InputError(`merge: runs ${next}..${first.runs - 1} are missing`);

  if (contentsOf(out).length > 0 && !force) {
    throw new InputError(`--out ${out}: folder is not empty; use --force to overwrite`);
  }
  const runsHeader = RUN_COLUMNS.join(",");
  const windowsHeader = WINDOW_COLUMNS.join(",");
  const runLines = ranges.flatMap((r) => linesByRun(join(r.dir, "runs.csv"), runsHeader));
  const windowLines = ranges.flatMap((r) => linesByRun(join(r.dir, "windows.csv"), windowsHeader));
  const cyclesHeader = CYCLE_COLUMNS.join(",");
  const cycleLines = ranges.flatMap((r) => linesByRun(join(r.dir, "cycles.csv"), cyclesHeader));
  const byRun = (a: { run: number }, b: { run: number }) => a.run - b.run;
  runLines.sort(byRun);
  windowLines.sort(byRun);
  cycleLines.sort(byRun);
  checkNotLocked(out);
  makeOutDir(out);
  const release = lockFolder(out, "msix-sim merge");
  try {
    return await writeMerged(out, first, manifests, ranges, {
      runsHeader,
      windowsHeader,
      cyclesHeader,
      runLines,
      windowLines,
      cycleLines,
    });
  } finally {
    release();
  }
}

async function writeMerged(
  out: string,
  first: Manifest,
  manifests: Manifest[],
  ranges: Array<{ from: number; to: number; dir: string; shard: string }>,
  l: {
    runsHeader: string;
    windowsHeader: string;
    cyclesHeader: string;
    runLines: Array<{ run: number; line: string }>;
    windowLines: Array<{ run: number; line: string }>;
    cycleLines: Array<{ run: number; line: string }>;
  },
): Promise<number> {
  const { runsHeader, windowsHeader, cyclesHeader, runLines, windowLines, cycleLines } = l;
  writeFileAtomic(
    join(out, "cycles.csv"),
    `${[cyclesHeader, ...cycleLines.map((x) => x.line)].join("\n")}\n`,
  );
  writeFileAtomic(
    join(out, "runs.csv"),
    `${[runsHeader, ...runLines.map((x) => x.line)].join("\n")}\n`,
  );
  writeFileAtomic(
    join(out, "windows.csv"),
    `${[windowsHeader, ...windowLines.map((x) => x.line)].join("\n")}\n`,
  );
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
  const manifest = {
    ...first,
    shard: "1/1",
    run_range: [0, first.runs],
    merged_from: ranges.map((r) => ({ dir: r.dir, shard: r.shard, run_range: [r.from, r.to] })),
    started_at: manifests.map((m) => m.started_at).sort()[0],
    finished_at: new Date().toISOString(),
  };
  writeFileAtomic(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return records.length;
}
