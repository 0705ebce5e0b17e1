import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { RUN_COLUMNS } from "../analysis/run-row.js";
import { csvRecords } from "../io/csv-records.js";
import { dropTemp, errnoText, tempName, trackTemp, writeAll } from "../io/files.js";
import { checkNotLocked, lockFolder } from "../io/lock.js";
import { InputError, parseWith } from "../scenario/errors.js";
import { SummaryAccumulator } from "./accumulator.js";
import { contentsOf } from "./batch.js";
import { CYCLE_COLUMNS, WINDOW_COLUMNS } from "./execute.js";
import {
  checkOutDir,
  makeOutDir,
  removeMadeDirs,
  writeCsvAtomic,
  writeFileAtomic,
} from "./files.js";
import { DATA_FILES, DATA_HEADERS } from "./run-files.js";
import { PAIRED_COLUMNS, SUMMARY_COLUMNS, type SummaryInput, summaryInputOf } from "./summary.js";

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

interface Shard {
  dir: string;
  m: Manifest;
  raw: Record<string, unknown>;
  from: number;
  to: number;
}

/** The three per-run files of the merged batch, written to temporary names as shards stream in. */
class MergedFiles {
  private readonly fds: number[] = [];
  private readonly blocks = ["", "", ""];
  private ok = false;
  constructor(private readonly out: string) {
    for (const [i, f] of DATA_FILES.entries()) {
      const tmp = tempName(join(out, f));
      trackTemp(tmp);
      this.fds.push(this.guard(f, () => openSync(tmp, "w")));
      this.append(i, DATA_HEADERS[i]!);
    }
  }
  append(i: number, text: string): void {
    this.blocks[i] += text;
    if (this.blocks[i]!.length >= 1 << 20) this.write(i);
  }
  private write(i: number): void {
    const f = DATA_FILES[i]!;
    this.guard(f, () => writeAll(this.fds[i]!, this.blocks[i]!));
    this.blocks[i] = "";
  }
  private guard<T>(f: string, g: () => T): T {
    try {
      return g();
    } catch (e) {
      throw new InputError(`cannot write ${join(this.out, f)}: ${errnoText(e)}`);
    }
  }
  /** Renames the files into place. */
  publish(): void {
    for (let i = 0; i < DATA_FILES.length; i++) this.write(i);
    for (const fd of this.fds.splice(0)) closeSync(fd);
    for (const f of DATA_FILES) {
      const path = join(this.out, f);
      this.guard(f, () => renameSync(tempName(path), path));
      dropTemp(tempName(path), false);
    }
    this.ok = true;
  }
  /** Removes what is left of an unfinished merge. */
  discard(): void {
    if (this.ok) return;
    for (const fd of this.fds.splice(0)) closeSync(fd);
    for (const f of DATA_FILES) dropTemp(tempName(join(this.out, f)), true);
  }
}

/** A shard's file must end with a whole line: a torn or truncated file is refused up front. */
function checkWhole(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new InputError(`merge: cannot read ${path}: ${errnoText(e)}`);
  }
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    if (size > 0 && (readSync(fd, last, 0, 1, size - 1) !== 1 || last[0] !== 0x0a)) {
      throw new InputError(
        `merge: ${path} ends in the middle of a line (a torn or truncated file)`,
      );
    }
  } finally {
    closeSync(fd);
  }
}

/** A shard file's records; a malformed or unreadable file is said as merge says everything. */
async function* shardRecords(path: string, columns: readonly string[]) {
  const header = (h: string[]) =>
    h.join(",") === columns.join(",") ? null : "does not have the expected columns";
  try {
    yield* csvRecords(path, header);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`merge: ${e.message}`);
    throw e;
  }
}

/**
 * Streams one shard into the merged files: runs.csv must hold exactly its runs, each under
 * every profile, in order, with the seed of the batch's rule; windows.csv and cycles.csv only
 * runs of its range. Lines are copied as they are.
 */
async function copyShard(s: Shard, files: MergedFiles, acc: SummaryAccumulator): Promise<void> {
  const profiles = s.m.profiles;
  const expected = (s.to - s.from) * profiles.length;
  const where = join(s.dir, "runs.csv");
  for (const f of DATA_FILES) checkWhole(join(s.dir, f));
  let i = 0;
  let run: SummaryInput[] = [];
  for await (const r of shardRecords(where, RUN_COLUMNS)) {
    if (i < expected) {
      const at = s.from + Math.floor(i / profiles.length);
      const profile = profiles[i % profiles.length]!;
      const x = r.record;
      if (Number(x.run) !== at || Number(x.seed) !== s.m.seeds.base + at || x.profile !== profile) {
        throw new InputError(
          `merge: ${where}: line ${r.line} should be run ${at}, seed ${s.m.seeds.base + at}, profile ${profile}`,
        );
      }
      files.append(0, r.raw);
      run.push(summaryInputOf(x));
      if (run.length === profiles.length) {
        acc.addRun(run);
        run = [];
      }
    }
    i++;
  }
  if (i !== expected) {
    throw new InputError(
      `merge: ${where} has ${i} rows; its manifest (runs ${s.from}..${s.to - 1} x ${profiles.length} profiles) needs ${expected}: the shard is incomplete or was changed`,
    );
  }
  for (const [k, name, columns] of [
    [1, "windows.csv", WINDOW_COLUMNS],
    [2, "cycles.csv", CYCLE_COLUMNS],
  ] as const) {
    const path = join(s.dir, name);
    for await (const r of shardRecords(path, columns)) {
      const at = Number(r.record.run);
      if (!Number.isSafeInteger(at)) {
        throw new InputError(`merge: ${path}: line ${r.line} does not start with a run number`);
      }
      if (at < s.from || at >= s.to) {
        throw new InputError(
          `merge: ${path} has run ${at}, outside the shard's runs ${s.from}..${s.to - 1}`,
        );
      }
      files.append(k, r.raw);
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

  const made = makeOutDir(out);
  const release = lockFolder(out, ["msix-sim", ...commandLine].join(" "));
  let files: MergedFiles | null = null;
  try {
    // Streamed, shard by shard, into temporary files: a shard that fails its checks leaves
    // nothing behind (the temporary files and a folder made here are removed).
    const acc = new SummaryAccumulator(first.profiles);
    try {
      files = new MergedFiles(out);
      for (const s of shards) await copyShard(s, files, acc);
    } catch (e) {
      files?.discard();
      release();
      removeMadeDirs(made);
      throw e;
    }
    await writeCsvAtomic(join(out, "summary.csv"), SUMMARY_COLUMNS, acc.summary());
    await writeCsvAtomic(join(out, "paired.csv"), PAIRED_COLUMNS, acc.paired());
    files.publish();
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
    return acc.runs * first.profiles.length;
  } finally {
    files?.discard();
    release();
  }
}
