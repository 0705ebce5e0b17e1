import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export * from "../io/files.js";

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
