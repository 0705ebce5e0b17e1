import {
  accessSync,
  constants,
  createWriteStream,
  mkdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { stringify } from "csv-stringify";
import { InputError } from "./errors.js";

/** "ENOSPC (no space left on device)" from a Node fs error; the message for anything else. */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string") return String(err?.message ?? e);
  // Node's messages read "ENOSPC: no space left on device, write": keep the middle part.
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message ?? "");
  return m ? `${err.code} (${m[1]})` : err.code;
}

/** An fs failure on an output file, as an input error (exit 2) naming the path and the reason. */
function writeError(path: string, e: unknown): Error {
  if (typeof (e as NodeJS.ErrnoException)?.code === "string") {
    return new InputError(`cannot write ${path}: ${errnoText(e)}`);
  }
  return e as Error;
}

// Temporary files being written: removed if the process exits before they are renamed (a signal
// handler that calls process.exit, an uncaught error).
const liveTemps = new Set<string>();
let exitHook = false;
export function trackTemp(tmp: string): void {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const t of liveTemps) rmSync(t, { force: true });
    });
  }
  liveTemps.add(tmp);
}
export function dropTemp(tmp: string, remove: boolean): void {
  liveTemps.delete(tmp);
  if (remove) rmSync(tmp, { force: true });
}

/**
 * Output files appear whole or not at all: each is written to a temporary name in the same
 * folder and renamed into place once complete. On failure the temporary file is removed and
 * the error names the file and the reason (an InputError: exit code 2).
 */
export async function writeCsvAtomic(
  path: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[] | Record<string, unknown>>,
): Promise<void> {
  const tmp = tempName(path);
  trackTemp(tmp);
  let ok = false;
  try {
    const out = createWriteStream(tmp);
    const failed = new Promise<never>((_, reject) => out.once("error", reject));
    failed.catch(() => {});
    const csv = stringify({
      header: true,
      columns: [...columns],
      cast: { boolean: (b) => (b ? "1" : "0") },
    });
    csv.pipe(out);
    for (const row of rows) {
      if (!csv.write(row)) {
        await Promise.race([new Promise<void>((r) => csv.once("drain", () => r())), failed]);
      }
    }
    csv.end();
    await Promise.race([finished(out), failed]);
    renameSync(tmp, path);
    ok = true;
  } catch (e) {
    throw writeError(path, e);
  } finally {
    dropTemp(tmp, !ok);
  }
}

/**
 * Writes all of `text` to an open file (writeSync may write less than asked, e.g. at a file
 * size limit; the next call then fails with the reason), at `position` or the current offset.
 * Returns the bytes written.
 */
export function writeAll(fd: number, text: string, position?: number): number {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    off += writeSync(
      fd,
      buf,
      off,
      buf.length - off,
      position === undefined ? null : position + off,
    );
  }
  return buf.length;
}

export function writeFileAtomic(path: string, text: string): void {
  const tmp = tempName(path);
  trackTemp(tmp);
  let ok = false;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    ok = true;
  } catch (e) {
    throw writeError(path, e);
  } finally {
    dropTemp(tmp, !ok);
  }
}

export function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p) as Stats;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw e;
  }
}

function kindOf(s: Stats): string {
  if (s.isFile()) return "a file";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  if (s.isFIFO()) return "a pipe";
  if (s.isSocket()) return "a socket";
  return "not a folder";
}

function writable(p: string): string | null {
  try {
    accessSync(p, constants.W_OK | constants.X_OK);
    return null;
  } catch (e) {
    return errnoText(e);
  }
}

/**
 * Checks that `dir` can be an output folder, creating nothing: an existing writable folder, or
 * a path whose nearest existing ancestor is a writable folder. Returns the folders that
 * makeOutDir would create, outermost first.
 */
export function checkOutDir(dir: string, flag = "--out"): string[] {
  if (dir.trim() === "") throw new InputError(`${flag}: must not be empty (give a folder)`);
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    let s: Stats | null;
    try {
      s = statOrNull(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") {
        // A component of the path is a file: report the nearest one.
        missing.unshift(p);
        p = dirname(p);
        continue;
      }
      throw new InputError(`${flag} ${dir}: cannot use ${p}: ${errnoText(e)}`);
    }
    if (s === null) {
      const parent = dirname(p);
      if (parent === p) throw new InputError(`${flag} ${dir}: no existing folder above it`);
      missing.unshift(p);
      p = parent;
      continue;
    }
    if (!s.isDirectory()) {
      throw new InputError(
        missing.length === 0
          ? `${flag} ${dir}: is ${kindOf(s)}, not a folder`
          : `${flag} ${dir}: ${p} is ${kindOf(s)}, not a folder`,
      );
    }
    const why = writable(p);
    if (why !== null) {
      throw new InputError(`${flag} ${dir}: cannot write in ${p}: ${why}`);
    }
    return missing;
  }
}

/**
 * Creates the output folder (checked first by checkOutDir) one level at a time; returns the
 * folders it created, outermost first. A level that cannot be created removes the ones made
 * before it. (Never mkdir -p: Node's recursive mkdir loops for ever under /proc.)
 */
export function makeOutDir(dir: string, flag = "--out"): string[] {
  const missing = checkOutDir(dir, flag);
  const made: string[] = [];
  for (const level of missing) {
    try {
      mkdirSync(level);
      made.push(level);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(level).isDirectory()) continue;
      removeMadeDirs(made);
      throw new InputError(`${flag} ${dir}: cannot create ${level}: ${errnoText(e)}`);
    }
  }
  return made;
}

/** Removes folders made by makeOutDir, innermost first, if they are still empty. */
export function removeMadeDirs(made: readonly string[]): void {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // Not empty (someone else wrote there) or gone: leave it.
    }
  }
}

/**
 * Checks that a file can be written at `path` (temporary file + rename), creating nothing: the
 * folder exists and is writable, and `path` is absent or a regular file (never a folder or a
 * device: renaming over /dev/null would replace it).
 */
export function checkOutFile(path: string, flag: string): void {
  if (path.trim() === "") throw new InputError(`${flag}: must not be empty (give a file name)`);
  const fail = (why: string) => new InputError(`${flag}: cannot write ${path}: ${why}`);
  let s: Stats | null;
  try {
    s = statOrNull(path);
  } catch (e) {
    throw fail(errnoText(e));
  }
  if (s?.isDirectory()) throw fail("it is a folder; give a file name");
  if (s !== null && !s.isFile()) throw fail(`it is ${kindOf(s)}, not a regular file`);
  const parent = dirname(resolve(path));
  let ps: Stats | null;
  try {
    ps = statOrNull(parent);
  } catch (e) {
    throw fail(errnoText(e));
  }
  if (ps === null) throw fail(`folder ${parent} does not exist`);
  if (!ps.isDirectory()) throw fail(`${parent} is ${kindOf(ps)}, not a folder`);
  const why = writable(parent);
  if (why !== null) throw fail(`cannot write in ${parent}: ${why}`);
}

/** Input files (scenarios, experiments) larger than this are refused: they are a few KB. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Reads a small input file as text: it must be a regular file (not a folder, a device such as
 * /dev/zero, or a pipe, which could be read for ever) of at most MAX_INPUT_BYTES. Errors name
 * `what` and the path.
 */
export function readInputFile(path: string, what: string): string {
  const fail = (why: string) => new InputError(`${what}: cannot read ${path}: ${why}`);
  let s: Stats;
  try {
    s = statSync(path) as Stats;
  } catch (e) {
    throw fail(errnoText(e));
  }
  if (s.isDirectory()) throw fail("it is a folder");
  if (!s.isFile()) throw fail(`it is ${kindOf(s)}, not a regular file`);
  if (s.size > MAX_INPUT_BYTES) {
    throw fail(`${s.size} bytes; an input file may have at most ${MAX_INPUT_BYTES}`);
  }
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw fail(errnoText(e));
  }
}
