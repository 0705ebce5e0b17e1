import { execFileSync } from "node:child_process";
import { createWriteStream, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "csv-stringify";

/**
 * Output files appear whole or not at all: each is written to a temporary name in the same
 * folder and renamed into place once complete.
 */
export async function writeCsvAtomic(
  path: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[] | Record<string, unknown>>,
): Promise<void> {
  const tmp = tempName(path);
  try {
    const out = createWriteStream(tmp);
    const csv = stringify({
      header: true,
      columns: [...columns],
      cast: { boolean: (b) => (b ? "1" : "0") },
    });
    csv.pipe(out);
    for (const row of rows) {
      if (!csv.write(row)) await new Promise<void>((r) => csv.once("drain", () => r()));
    }
    csv.end();
    await finished(out);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeFileAtomic(path: string, text: string): void {
  const tmp = tempName(path);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function tempName(path: string): string {
  return join(dirname(path), `.${path.split("/").pop()}.tmp-${process.pid}`);
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}

/** The git commit of the tool's own checkout, when there is one. */
export function gitCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}
