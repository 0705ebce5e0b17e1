#!/usr/bin/env node
import { Command } from "commander";
import { scenarioJsonSchema } from "../scenario/schema.js";
import { reportAndExit } from "./errors.js";
import { presetsText } from "./presets-command.js";
import { runCommand } from "./run-command.js";

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function out(text: string): void {
  process.stdout.write(text);
}

// A closed pipe (msix-sim run --log | head) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const program = new Command()
  .name("msix-sim")
  .description(
    "Deterministic discrete-event simulator of interrupt loss when QEMU reconfigures MSI-X for a VFIO passthrough device on an ARM64 GICv3 ITS host",
  )
  .version("0.1.0")
  .showHelpAfterError();

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
  .option("--json", "one JSON object: the runs.csv row of this run")
  .option("--log", "a time-ordered log of what each layer did, naming the real functions")
  .action((o) => out(runCommand(o)));

program
  .command("presets")
  .description("list the built-in presets with their parameters")
  .action(() => out(presetsText()));

program
  .command("schema")
  .description("print the JSON Schema of scenario files")
  .action(() => out(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`));

try {
  program.parse();
} catch (e) {
  reportAndExit(e);
}
