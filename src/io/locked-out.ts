import { checkOutDir, makeOutDir, removeMadeDirs } from "./files.js";
import { checkNotLocked, lockFolder } from "./lock.js";

/**
 * How every command that fills a results folder takes it: check the --out path, refuse a folder
 * another process holds, `inspect` it (reads only; throws what is wrong with it), create it,
 * take its lock and inspect again (another process may have been quicker), then run `work`
 * under the lock. A folder this call created is removed again when the lock or the second
 * inspection fails, so a refused command leaves nothing behind.
 */
export async function withLockedOut<S, T>(
  out: string,
  commandLine: readonly string[],
  inspect: () => S,
  work: (inspected: S) => Promise<T>,
): Promise<T> {
  checkOutDir(out);
  checkNotLocked(out);
  inspect();
  const made = makeOutDir(out);
  let release: (() => void) | null = null;
  let inspected: S;
  try {
    release = lockFolder(out, ["msix-sim", ...commandLine].join(" "));
    inspected = inspect();
  } catch (e) {
    release?.();
    removeMadeDirs(made);
    throw e;
  }
  try {
    return await work(inspected);
  } finally {
    release();
  }
}
