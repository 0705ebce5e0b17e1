import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { InputError } from "./errors.js";
import { errnoText } from "./files.js";

/** The lock file of an output folder in use; its temporary siblings start with the same name. */
export const LOCK_FILE = ".msix-sim.lock";

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
  token: string;
}

/** Locks this process holds, by absolute folder: a second lock on the same folder nests. */
const held = new Map<string, { count: number; file: string; token: string }>();
let exitHook = false;

function readLock(file: string): { text: string; info: LockInfo | null } | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new InputError(`cannot read the lock ${file}: ${errnoText(e)}`);
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return { text, info: Number.isSafeInteger(info.pid) ? info : null };
  } catch {
    return { text, info: null };
  }
}

/** Is the lock's owner still running? One on another host cannot be checked: assume it is. */
function alive(info: LockInfo | null): boolean {
  if (info === null) return false; // not a lock we wrote: unreadable, so nobody holds it
  if (info.host !== hostname()) return true;
  if (info.pid === process.pid) return false; // not held by us (see `held`): a dead namesake
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function inUse(label: string, file: string, info: LockInfo): InputError {
  const where = info.host === hostname() ? `pid ${info.pid}` : `pid ${info.pid} on ${info.host}`;
  return new InputError(
    `${label}: in use by another msix-sim (${where}, since ${info.started}: ${info.command}); wait for it to finish or stop it. If that process is gone, remove ${file}`,
  );
}

/**
 * Takes the lock of output folder `dir` (which must exist) for `command`, or throws an
 * InputError naming the process that holds it. A lock left by a process that no longer runs (on
 * this host) is taken over. The lock is released by the returned function, and in any case when
 * the process exits.
 *
 * The lock file is created whole with link(2), which fails if it exists, so two processes never
 * both succeed. Taking over a stale lock renames it to a private name first and checks that what
 * was moved is the stale lock, putting back a fresh one moved by mistake.
 */
export function lockFolder(dir: string, command: string): () => void {
  const key = resolve(dir);
  const mine = held.get(key);
  if (mine !== undefined) {
    mine.count++;
    return releaser(key);
  }
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command,
    token: randomUUID(),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const moved = `${file}.${process.pid}.stale`;
  try {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, file);
        held.set(key, { count: 1, file, token: info.token });
        if (!exitHook) {
          exitHook = true;
          process.on("exit", releaseAll);
        }
        return releaser(key);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const other = readLock(file);
      if (other === null) continue; // released meanwhile
      if (alive(other.info)) throw inUse(`--out ${dir}`, file, other.info!);
      try {
        renameSync(file, moved);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // taken over by another
        throw e;
      }
      const taken = readLock(moved);
      if (taken !== null && taken.text !== other.text && alive(taken.info)) {
        // Another process took the stale lock over first: its lock goes back.
        try {
          linkSync(moved, file);
        } catch {
          // A third process holds it now; either way the folder is in use.
        }
        throw inUse(`--out ${dir}`, file, taken.info!);
      }
      rmSync(moved, { force: true });
    }
    throw new InputError(`--out ${dir}: could not take the lock ${file}; try again`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`--out ${dir}: cannot create the lock ${file}: ${errnoText(e)}`);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(moved, { force: true });
  }
}

/** Throws the "in use" error if a running process holds the lock of `dir`; creates nothing. */
export function checkNotLocked(dir: string, label = `--out ${dir}`): void {
  if (held.has(resolve(dir))) return;
  const file = join(dir, LOCK_FILE);
  const other = readLock(file);
  if (other !== null && alive(other.info)) throw inUse(label, file, other.info!);
}

function releaser(key: string): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const h = held.get(key);
    if (h === undefined || --h.count > 0) return;
    held.delete(key);
    removeIfOurs(h.file, h.token);
  };
}

function removeIfOurs(file: string, token: string): void {
  try {
    if (readLock(file)?.info?.token === token) rmSync(file, { force: true });
  } catch {
    // The folder is gone or unreadable: nothing to release.
  }
}

function releaseAll(): void {
  for (const h of held.values()) removeIfOurs(h.file, h.token);
  held.clear();
}
