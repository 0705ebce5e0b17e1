import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { RUN_COLUMNS } from "../analysis/run-row.js";
import { errnoText, writeAll, writeFileAtomic } from "../io/files.js";
import { InputError } from "../scenario/errors.js";
import { CYCLE_COLUMNS, type RunResult, WINDOW_COLUMNS } from "./execute.js";

/**
 * The per-run files of a batch (runs.csv, windows.csv, cycles.csv), written as results arrive,
 * in run order, into the batch's checkpoint folder, and renamed into place when the batch is
 * done: a finished batch's files appear whole, an interrupted one leaves only its checkpoint.
 *
 * Results come from the workers in any order. A reorder buffer holds those that arrive ahead of the
 * next run in order; it is bounded by the runs in flight (the pool hands out runs in ascending
 * order, two chunks per worker of about 20 ms of work each, at most 256 runs). Lines in order are
 * collected into blocks and written with one write per file per block; after each block an index
 * line is appended to runs.jsonl: the runs now complete in the files and each file's length. That
 * is the checkpoint: a resumed batch cuts each file back to the last index (bytes written after it,
 * by a kill mid-block, are dropped) and runs on from there; a torn index line is skipped.
 */
export const DATA_FILES = ["runs.csv", "windows.csv", "cycles.csv"] as const;
/** Each data file's header line, in DATA_FILES order. */
export const DATA_HEADERS = [RUN_COLUMNS, WINDOW_COLUMNS, CYCLE_COLUMNS].map(
  (c) => `${c.join(",")}\n`,
);
const INDEX_FILE = "runs.jsonl";

/** A block is written once it holds this much text, or this long after the last one. */
const BLOCK_BYTES = 1 << 20;
const BLOCK_MS = 10;
/** runs.jsonl is rewritten to its last line when it grows past this (a week-long batch). */
const INDEX_MAX_BYTES = 1 << 20;

interface Index {
  /** Runs below this are complete in the files. */
  next: number;
  /** Each data file's length, in DATA_FILES order. */
  bytes: [number, number, number];
}

export class RunFiles {
  /** The next run in order: every run below it has been handed to `onInOrder`. */
  next: number;
  private readonly fds: number[];
  private index: number;
  private indexBytes = 0;
  private readonly bytes: [number, number, number];
  private readonly ahead = new Map<number, RunResult>();
  private block = ["", "", ""];
  private blockBytes = 0;
  private lastWrite = performance.now();

  private constructor(
    private readonly partial: string,
    index: Index,
  ) {
    this.next = index.next;
    this.bytes = [...index.bytes];
    this.fds = DATA_FILES.map((f) => openFile(join(partial, f), "r+"));
    this.index = openFile(join(partial, INDEX_FILE), "a");
  }

  /** New, empty files (with their headers) in the checkpoint folder, the first run `from`. */
  static create(partial: string, from: number): RunFiles {
    const bytes = [0, 0, 0] as [number, number, number];
    DATA_FILES.forEach((f, i) => {
      write(join(partial, f), () => writeFileSync(join(partial, f), DATA_HEADERS[i]!));
      bytes[i] = Buffer.byteLength(DATA_HEADERS[i]!);
    });
    const index = { next: from, bytes };
    writeIndex(partial, index);
    return new RunFiles(partial, index);
  }

  /**
   * The files of an interrupted batch, cut back to their last index. A kill between the final
   * renames may have moved some files into the output folder already: they come back.
   */
  static resume(partial: string, out: string, from: number, to: number): RunFiles {
    for (const f of DATA_FILES) {
      const there = join(out, f);
      if (!existsSync(join(partial, f)) && existsSync(there)) renameSync(there, join(partial, f));
    }
    const index = lastIndex(join(partial, INDEX_FILE), from, to);
    DATA_FILES.forEach((f, i) => {
      const path = join(partial, f);
      const size = existsSync(path) ? statSync(path).size : -1;
      if (size < index.bytes[i]!) {
        throw new InputError(
          `--resume: the checkpoint in ${partial} is damaged (${f} is shorter than its index says); use --force to start the batch over`,
        );
      }
    });
    const files = new RunFiles(partial, index);
    files.fds.forEach((fd, i) => {
      ftruncateSync(fd, index.bytes[i]!);
    });
    // One clean index line: the torn tail of a hard kill goes.
    writeIndex(partial, index);
    return files;
  }

  /**
   * Takes one result; hands it and every buffered one now in order to `onInOrder`, and appends
   * their lines to the current block.
   */
  add(r: RunResult, onInOrder: (r: RunResult) => void): void {
    if (r.run < this.next || this.ahead.has(r.run)) {
      throw new Error(`batch: run ${r.run} arrived twice`);
    }
    this.ahead.set(r.run, r);
    for (let x = this.ahead.get(this.next); x !== undefined; x = this.ahead.get(this.next)) {
      this.ahead.delete(this.next);
      this.next++;
      this.block[0] += x.runs;
      this.block[1] += x.windows;
      this.block[2] += x.cycles;
      this.blockBytes += x.runs.length + x.windows.length + x.cycles.length;
      onInOrder(x);
    }
    if (this.blockBytes >= BLOCK_BYTES || performance.now() - this.lastWrite >= BLOCK_MS) {
      this.flush();
    }
  }

  /** Writes the block and its index line (nothing when no run completed since the last). */
  flush(): void {
    this.lastWrite = performance.now();
    if (this.blockBytes === 0) return; // no run completed since the last block
    this.block.forEach((text, i) => {
      if (text === "") return;
      const n = write(join(this.partial, DATA_FILES[i]!), () =>
        writeAll(this.fds[i]!, text, this.bytes[i]!),
      );
      this.bytes[i] = this.bytes[i]! + n;
    });
    this.block = ["", "", ""];
    this.blockBytes = 0;
    const line = indexLine({ next: this.next, bytes: this.bytes });
    const path = join(this.partial, INDEX_FILE);
    if (this.indexBytes > INDEX_MAX_BYTES) {
      // Whole or not at all: the old index stands until the new one replaces it.
      closeSync(this.index);
      writeFileAtomic(path, line);
      this.index = openFile(path, "a");
      this.indexBytes = line.length;
      return;
    }
    this.indexBytes += write(path, () => writeAll(this.index, line));
  }

  /** Flushes and closes the files (the checkpoint stays). */
  close(): void {
    try {
      this.flush();
    } finally {
      for (const fd of [...this.fds, this.index]) closeSync(fd);
    }
  }

  /** Moves the complete files into the output folder (after close). */
  publish(out: string): void {
    for (const f of DATA_FILES) {
      write(join(out, f), () => renameSync(join(this.partial, f), join(out, f)));
    }
  }
}

/** The last whole index line of runs.jsonl. */
function lastIndex(path: string, from: number, to: number): Index {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    let v: unknown;
    try {
      v = JSON.parse(lines[i]!);
    } catch {
      continue; // a line cut short by a hard kill
    }
    if (isIndex(v) && v.next >= from && v.next <= to) return v;
    if (v !== null && typeof v === "object" && "rows" in v) {
      throw new InputError(
        `--resume: the checkpoint in ${path} was written by an older msix-sim (one line per run); use --force to start the batch over`,
      );
    }
  }
  throw new InputError(
    `--resume: the checkpoint ${path} holds no index; use --force to start the batch over`,
  );
}

function isIndex(v: unknown): v is Index {
  const x = v as Index;
  return (
    x !== null &&
    typeof x === "object" &&
    Number.isSafeInteger(x.next) &&
    Array.isArray(x.bytes) &&
    x.bytes.length === 3 &&
    x.bytes.every((b) => Number.isSafeInteger(b) && b >= 0)
  );
}

function openFile(path: string, flags: string): number {
  try {
    return openSync(path, flags);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${errnoText(e)}`);
  }
}

/** One line of runs.jsonl. */
function indexLine(index: Index): string {
  return `${JSON.stringify(index)}\n`;
}

/** The index file as one line: `index`. */
function writeIndex(partial: string, index: Index): void {
  const path = join(partial, INDEX_FILE);
  write(path, () => writeFileSync(path, indexLine(index)));
}

/** An fs failure (disk full) as an input error naming the file; the checkpoint stays resumable. */
function write<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot write ${path}: ${errnoText(e)}`);
  }
}
