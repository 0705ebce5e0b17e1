import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const CLI = resolve(import.meta.dirname, "../../dist/cli/main.js");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (npm test builds it first). */
export function cli(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    cwd,
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = "msix-sim-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(dir: string, name: string, data: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof data === "string" ? data : JSON.stringify(data));
  return p;
}

/**
 * Runs the CLI in this process (the TypeScript sources): for input checks that end before any
 * work, without the cost of a process. Commands that start worker processes need `cli`.
 */
export async function cliHere(args: string[]): Promise<CliResult> {
  const { runCli } = await import("../../src/cli/program.js");
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { status, stdout: out.join(""), stderr: err.join("") };
}

/** cliHere, with stdout and stderr interleaved in the order they were written. */
export async function cliHereLog(args: string[]): Promise<{ status: number; log: string[] }> {
  const { runCli } = await import("../../src/cli/program.js");
  const log: string[] = [];
  const status = await runCli(args, {
    out: (t) => log.push(`out: ${t}`),
    err: (t) => log.push(`err: ${t}`),
  });
  return { status, log };
}
