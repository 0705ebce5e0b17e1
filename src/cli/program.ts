import { Command, CommanderError, Option } from "commander";
import { ZodError } from "zod";
import { parseCount } from "../batch/plan.js";
import { InputError } from "../scenario/errors.js";
import { scenarioJsonSchema } from "../scenario/schema.js";
import { batchCommand, experimentCommand, mergeCommand } from "./batch-command.js";
import { EXIT_INPUT, EXIT_INTERNAL } from "./errors.js";
import { DEFAULT_FIT_OUT, DEFAULT_FIT_RUNS } from "./fit-defaults.js";
import { registerPlotCommand } from "./plot-command.js";
import { presetsText } from "./presets-command.js";
import { replayCommand } from "./replay-command.js";
import { runCommand } from "./run-command.js";

/** Where a command's text goes: stdout and stderr of the process, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** The commander program; actions report their exit code through `setCode`. */
function buildProgram(
  argv: readonly string[],
  io: CliIo,
  setCode: (code: number) => void,
): Command {
  const program = new Command()
    .name("msix-sim")
    .description(
      "Deterministic discrete-event simulator of interrupt loss when QEMU reconfigures MSI-X for a VFIO passthrough device on an ARM64 GICv3 ITS host",
    )
    .version("0.1.0")
    // Usage errors come back as exceptions (exit code 2, like every input error), and every
    // message goes through io. Set before the commands are added: they inherit it.
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  const print = (r: { text: string; code: number }) => {
    io.out(r.text);
    setCode(r.code);
  };

  program
    .command("run")
    .description("one run of a preset or scenario file: a summary, --json or --log")
    .option("--preset <name>", "a built-in preset (see `msix-sim presets`); default hns3-roce-load")
    .option("--scenario <file>", "a scenario file (JSON or YAML; see `msix-sim schema`)")
    .option("--profile <p>", "legacy | noresize | dyn | dyn-small-itt (default: the scenario's)")
    .option("--seed <n>", "run seed (default: the scenario's)")
    .option("--param <k=v>", "a preset parameter, e.g. nic_rate=20000 (repeatable)", collect, [])
    .option(
      "--set <path=v>",
      "override any scenario field, e.g. params.host.cost.ioctl=10us (repeatable)",
      collect,
      [],
    )
    .addOption(
      new Option("--json", "one JSON object: the runs.csv row of this run").conflicts("log"),
    )
    .option(
      "--log [categories]",
      "a time-ordered log of what each layer did, naming the real functions; categories: its, host, qemu, guest (the default: all four), irq (every interrupt raised, delivered, coalesced or dropped), all; e.g. --log=its,irq,guest",
    )
    .option(
      "--trace <file.json>",
      "also write a Chrome Trace Event / Perfetto timeline of the run (ui.perfetto.dev)",
    )
    .option("--force", "run even when the scenario implies more work than the limit")
    .action((o) => io.out(runCommand(o, io.err)));

  program
    .command("replay")
    .description(
      "run one row of a batch again from its folder (manifest.json): its summary, --json, --log or --trace",
    )
    .argument("<dir>", "the batch's output folder")
    .option("--run <n>", "the run (the run column of runs.csv)")
    .option("--profile <p>", "the profile (required when the batch ran several)")
    .addOption(
      new Option("--json", "one JSON object: the row, as in runs.csv").conflicts(["log", "csv"]),
    )
    .addOption(
      new Option("--csv", "the runs.csv header and the row, as in runs.csv").conflicts("log"),
    )
    .option("--log [categories]", "a time-ordered log (categories as for run)")
    .option("--trace <file.json>", "also write a Chrome Trace Event / Perfetto timeline")
    .option("--force", "run even when the scenario implies more work than the limit")
    .action((dir: string, o) => io.out(replayCommand(dir, o, io.err)));

  program
    .command("batch")
    .description("many seeded runs under several profiles, in parallel or sharded, to CSV")
    .option("--preset <name>", "a built-in preset; default hns3-roce-load")
    .option("--scenario <file>", "a scenario file (JSON or YAML)")
    .option("--param <k=v>", "a preset parameter (repeatable)", collect, [])
    .option("--set <path=v>", "override a scenario field (repeatable)", collect, [])
    .option("--runs <n>", "number of runs; run r uses seed S + r under every profile")
    .option(
      "--target-halfwidth <H>",
      "instead of --runs: run in chunks until the Wilson 95% interval of --metric's rate is within +-H for every profile",
    )
    .option("--max-runs <n>", "with --target-halfwidth: stop there anyway (default 100000)")
    .option(
      "--metric <name>",
      "with --target-halfwidth: link_failed (default), drops, port_reset or not_ok",
    )
    .option("--seed <S>", "base seed (default: the scenario's seed; 1 for the presets)")
    .option("--profiles <list>", "comma-separated profiles (default all four)")
    .option("--workers <k>", "worker processes (default: the number of cores)")
    .option("--shard <i/N>", "run only the i-th of N slices of the runs (1-based)")
    .option("--out <dir>", "output folder")
    .option("--window-runs <n|all>", "windows.csv holds the windows of runs below n (default 100)")
    .option("--resume", "continue an interrupted batch in --out")
    .option(
      "--force",
      "overwrite a non-empty --out; run even when a run implies more work than the limit",
    )
    .option("--quiet", "no progress bar and no summary")
    .action(async (o) => print(await batchCommand(o, argv, io.err)));

  program
    .command("merge")
    .description("merge the shard folders of one batch into files identical to the unsharded batch")
    .argument("<dirs...>", "shard output folders")
    .option("--out <dir>", "merged output folder")
    .option("--force", "overwrite a non-empty --out")
    .action(async (dirs: string[], o) => io.out(await mergeCommand(dirs, o, argv)));

  program
    .command("experiment")
    .description(
      "run every grid point of an experiment file as a batch, plus a combined summary.csv",
    )
    .argument("<file>", "experiment file (experiments/*.json)")
    .option("--out <dir>", "results folder, e.g. results/NAME")
    .option("--workers <k>", "worker processes (default: the number of cores)")
    .option(
      "--resume",
      "continue in --out: points that finished with the same scenario and plan are kept, interrupted ones resumed, changed ones run again",
    )
    .option("--force", "start over in a non-empty --out: every point is run again")
    .option("--quiet", "no progress output")
    .action(async (file: string, o) => print(await experimentCommand(file, o, argv, io.err)));

  program
    .command("sensitivity")
    .description(
      "which assumption matters: each assumed parameter at the low and high end of its documented range, one at a time, on the same seeds as the baseline",
    )
    .option("--preset <name>", "a built-in preset; default hns3-roce-load")
    .option("--scenario <file>", "a scenario file (JSON or YAML)")
    .option("--param <k=v>", "a preset parameter (repeatable)", collect, [])
    .option("--set <path=v>", "override a scenario field (repeatable)", collect, [])
    .option("--metric <m>", "link_failed | drops | port_reset | not_ok (default link_failed)")
    .option("--profile <p>", "the profile every point runs under (default: the scenario's)")
    .option("--runs <n>", "runs per point; run r uses seed S + r at every point (default 20)")
    .option("--seed <S>", "base seed (default: the scenario's seed; 1 for the presets)")
    .option("--workers <k>", "worker processes (default: the number of cores)")
    .option("--only <names>", "comma-separated assumptions (names or set paths) to vary")
    .option("--out <dir>", "output folder")
    .option("--resume", "continue an interrupted analysis in --out (finished points are kept)")
    .option("--force", "start over in a non-empty --out")
    .option("--json", "one JSON object: the ranking")
    .action(async (o) => {
      // fit and sensitivity (and the reports they write) are loaded only when used.
      const { sensitivityCommand } = await import("./sensitivity-command.js");
      print(await sensitivityCommand(o, argv, io.err));
    });

  program
    .command("fit")
    .description(
      "which value of a parameter reproduces an observed failure rate K/N: a search over batches on common seeds",
    )
    .option("--preset <name>", "a built-in preset; default hns3-roce-load")
    .option("--scenario <file>", "a scenario file (JSON or YAML)")
    .option("--param <k=v>", "a preset parameter (repeatable)", collect, [])
    .option("--set <path=v>", "override a scenario field (repeatable)", collect, [])
    .option("--observed <K/N>", "the observation: K failures in N trials, e.g. 3/100")
    .option(
      "--vary <NAME=LO..HI[:log]>",
      "the parameter to fit: a preset --param or set:PATH, its range, :log for a log scale (once, or twice for a consistency map)",
      collect,
      [],
    )
    .option("--profile <p>", "legacy | noresize | dyn | dyn-small-itt (default: the scenario's)")
    .option("--metric <m>", "link_failed | drops | port_reset | not_ok (default link_failed)")
    .option("--runs <n>", `runs per point (default ${DEFAULT_FIT_RUNS}); run r has seed S + r`)
    .option("--workers <k>", "worker processes (default: the number of cores)")
    .option("--seed <S>", "base seed (default: the scenario's seed; 1 for the presets)")
    .option("--out <dir>", `output folder (default ${DEFAULT_FIT_OUT})`)
    .option("--json", "print one JSON object with the result")
    .option("--resume", "continue a fit in --out: points already run are kept")
    .option("--force", "start over in a non-empty --out")
    .option("--quiet", "no progress output")
    .action(async (o) => {
      const { fitCommand } = await import("./fit-command.js");
      print(await fitCommand(o, argv, io.err));
    });

  program
    .command("compare")
    .description("the main job: every profile on the same seeds of a preset, as a summary table")
    .option("--preset <name>", "preset", "hns3-roce-load")
    .option("--runs <n>", "runs per profile", "200")
    .option("--out <dir>", "output folder (overwritten)", "out/compare")
    .option("--workers <k>", "worker processes (default: the number of cores)")
    .action(async (o) => {
      const argv = ["batch", "--preset", o.preset, "--runs", o.runs, "--out", o.out, "--force"];
      if (o.workers !== undefined) argv.push("--workers", o.workers);
      parseCount(o.runs, "--runs", 1);
      // Said first: stdout may be a file or a pipe, where no progress bar shows.
      io.out(
        `msix-sim compare: preset ${o.preset}, ${o.runs} runs (seeds 1..${o.runs}) under every profile\n\n`,
      );
      const { text, code } = await batchCommand(
        {
          preset: o.preset,
          runs: o.runs,
          out: o.out,
          force: true,
          workers: o.workers,
          param: [],
          set: [],
        },
        argv,
        io.err,
      );
      io.out(text);
      setCode(code);
    });

  program
    .command("presets")
    .description("list the built-in presets with their parameters")
    .action(() => io.out(presetsText()));

  program
    .command("schema")
    .description("print the JSON Schema of scenario files")
    .action(() => io.out(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`));

  registerPlotCommand(program, io);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code:
 * 0 done, 2 bad input or usage (with a message naming the field or option, no stack trace),
 * 130 interrupted, 1 an internal error (a bug: the stack is printed).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(argv, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_INPUT;
    if (e instanceof InputError || e instanceof ZodError) {
      io.err(`msix-sim: ${e.message}\n`);
      return EXIT_INPUT;
    }
    const err = e as Error;
    io.err(`msix-sim: internal error: ${err.stack ?? err.message}\n`);
    return EXIT_INTERNAL;
  }
}
