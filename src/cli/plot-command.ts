import type { Command } from "commander";
import type { CliIo } from "./program.js";
import { exitOnSignal } from "./signals.js";

export interface PlotCommandOptions {
  out?: string;
  points?: boolean;
  quiet?: boolean;
}

/** `msix-sim plot DIR`: returns the text to print. */
export async function plotCommand(dir: string, o: PlotCommandOptions): Promise<string> {
  // Loaded when used: the renderer (vega) is a third of the CLI's memory, and a batch's
  // process has no use for it.
  const { plotResults } = await import("../plot/plot.js");
  const res = await exitOnSignal(() => plotResults(dir, { out: o.out, points: o.points ?? true }));
  if (o.quiet) return "";
  const plots = res.files.filter((f) => f.endsWith(".svg"));
  const top = plots.filter((f) => !f.includes("/")).map((f) => f.replace(/\.svg$/, ""));
  const nested = plots.length - top.length;
  const lines = [
    `wrote ${res.out}/index.html and ${top.length} plots (${top.join(", ")}; each NAME.svg + NAME.vl.json)`,
    ...(nested > 0
      ? [`and ${nested} plots in the grid point folders, each with its index.html`]
      : []),
    ...res.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Adds `msix-sim plot <dir>`. Input errors are thrown as InputError (the CLI exits 2). */
export function registerPlotCommand(program: Command, io: CliIo): void {
  program
    .command("plot")
    .description(
      "SVG plots (Vega-Lite) and a self-contained index.html report of a batch or experiment folder",
    )
    .argument("<dir>", "output folder of `msix-sim batch` or `msix-sim experiment`")
    .option("--out <dir>", "where to write the plots and index.html (default: DIR itself)")
    .option("--no-points", "experiment folders: skip the per-grid-point plots")
    .option("--quiet", "print nothing")
    .action(async (dir: string, o: PlotCommandOptions) => {
      io.out(await plotCommand(dir, o));
    });
}
