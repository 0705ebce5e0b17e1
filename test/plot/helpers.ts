import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { XMLValidator } from "fast-xml-parser";

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(ROOT, "dist/cli/main.js");

export function tempDir(prefix = "msix-sim-plot-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the built CLI (npm test builds it first); throws with its stderr on failure. */
export function runCli(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`msix-sim ${args.join(" ")}: ${r.status}\n${r.stderr}`);
}

/** Runs `msix-sim plot ARGS` (the built CLI). */
export function plotCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "plot", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** true, or the parser's complaint. */
export function xmlProblem(text: string): string | null {
  const r = XMLValidator.validate(text);
  return r === true ? null : `${r.err.code} line ${r.err.line}: ${r.err.msg}`;
}

/** Every file under dir (relative paths, sorted) with its bytes. */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${e}/`);
      else out.set(`${prefix}${e}`, readFileSync(p));
    }
  };
  walk(dir, "");
  return out;
}

/** The text of every <text> element of an SVG (axis titles, labels, titles). */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"),
  );
}
