import { resolve } from "node:path";
import { RUN_COLUMNS, type RunRow, runRow } from "../analysis/run-row.js";
import { csvLine } from "../batch/replay.js";
import { MemoryTrace, type TraceRecord } from "../engine/index.js";
import { checkOutFile, writeFileAtomic } from "../io/files.js";
import type { IrqTraceSink } from "../model/accounting.js";
import { PROFILE_NAMES, type ProfileName } from "../model/profiles.js";
import { InputError } from "../scenario/errors.js";
import { resolveScenario } from "../scenario/load.js";
import { type PreparedScenario, runScenario } from "../scenario/runner.js";
import { checkTraceable, checkWorkload } from "../scenario/workload.js";
import { perfettoTrace } from "../trace/perfetto.js";
import { logLine, summaryText, verdictRecord } from "./format.js";
import { exitOnSignalFromNowOn } from "./signals.js";

export interface RunCommandOptions {
  preset?: string;
  scenario?: string;
  profile?: string;
  seed?: string;
  param: string[];
  set: string[];
  json?: boolean;
  log?: boolean;
  trace?: string;
  force?: boolean;
}

export function parseProfile(p: string | undefined): ProfileName | undefined {
  if (p === undefined) return undefined;
  if (!(PROFILE_NAMES as readonly string[]).includes(p)) {
    throw new InputError(`--profile: unknown profile "${p}" (known: ${PROFILE_NAMES.join(", ")})`);
  }
  return p as ProfileName;
}

export function parseSeed(s: string | undefined, flag = "--seed"): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n)) {
    throw new InputError(`${flag}: must be a whole number >= 0, got "${s}"`);
  }
  return n;
}

/** `msix-sim run`: one run; a summary, one JSON row, or the layer-by-layer log. */
export function runCommand(
  o: RunCommandOptions,
  err: (text: string) => void = (t) => void process.stderr.write(t),
): string {
  const profile = parseProfile(o.profile);
  const seed = parseSeed(o.seed);
  if (o.trace !== undefined) {
    checkOutFile(o.trace, "--trace");
    if (o.scenario !== undefined && resolve(o.trace) === resolve(o.scenario)) {
      throw new InputError(`--trace: cannot write ${o.trace}: it is the scenario file`);
    }
  }
  const resolved = resolveScenario({
    preset: o.preset,
    scenarioFile: o.scenario,
    params: o.param,
    sets: o.set,
  });
  checkWorkload(resolved.prep, o.force ?? false);
  checkTrace(resolved.prep, o);
  // A run on its own is no run of a batch: its `run` column is empty.
  return simulateAndShow(resolved.prep, { profile, seed, run: null, label: resolved.label }, o, err)
    .text;
}

export interface ShowOptions {
  json?: boolean;
  csv?: boolean;
  /** --log (true) or --log=its,irq,guest. */
  log?: boolean | string;
  trace?: string;
}

/** --log categories and the trace components each shows. */
export const LOG_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  its: ["its"],
  host: ["host"],
  qemu: ["qemu"],
  guest: ["guest", "hns3"],
  irq: ["irq"],
};
const DEFAULT_LOG = ["its", "host", "qemu", "guest"];

/** The components --log shows: by default every layer's control plane; "irq" and "all" add each interrupt. */
export function parseLog(v: boolean | string | undefined): Set<string> | null {
  if (v === undefined || v === false) return null;
  const names = v === true ? DEFAULT_LOG : v.split(",").map((x) => x.trim());
  const out = new Set<string>();
  for (const n of names) {
    if (n === "all") {
      for (const c of Object.values(LOG_CATEGORIES)) for (const x of c) out.add(x);
      continue;
    }
    const c = LOG_CATEGORIES[n];
    if (c === undefined || !Object.hasOwn(LOG_CATEGORIES, n)) {
      throw new InputError(
        `--log: unknown category "${n}" (known: ${[...Object.keys(LOG_CATEGORIES), "all"].join(", ")})`,
      );
    }
    for (const x of c) out.add(x);
  }
  return out;
}

/** --trace and --log=irq keep every interrupt in memory: refused when there would be too many. */
export function checkTrace(prep: PreparedScenario, o: ShowOptions): void {
  if (o.trace !== undefined) checkTraceable(prep, "--trace");
  if (parseLog(o.log)?.has("irq")) checkTraceable(prep, "--log=irq");
}

/** A memory trace that also takes a record per interrupt (see InterruptAccounting). */
class IrqMemoryTrace extends MemoryTrace implements IrqTraceSink {
  readonly irqs = true as const;
}

/**
 * Runs a prepared scenario once and renders it: the summary, --json (the runs.csv row), --csv
 * (that row as its line of runs.csv, after the header), --log, and the --trace file.
 */
export function simulateAndShow(
  prep: PreparedScenario,
  r: { profile?: ProfileName; seed?: number; run: number | null; label: string; title?: string },
  o: ShowOptions,
  err: (text: string) => void,
): { text: string; row: RunRow } {
  const log = parseLog(o.log);
  const trace =
    log?.has("irq") === true
      ? new IrqMemoryTrace()
      : log !== null || o.trace !== undefined
        ? new MemoryTrace()
        : null;
  const res = runScenario(prep, {
    profile: r.profile,
    seed: r.seed,
    trace,
    recordInterrupts: o.trace !== undefined,
  });
  const row: RunRow = { ...runRow({ run: r.run ?? 0, ...res }), run: r.run };
  // The simulation is over (a signal stopped it at once); from now on a signal exits 130.
  exitOnSignalFromNowOn();
  const records =
    trace === null ? [] : [...trace.records, verdictRecord(res.outcome, res.record.end)];
  if (o.trace !== undefined) {
    const t = perfettoTrace(res.record, res.windows, records);
    try {
      writeFileAtomic(o.trace, `${JSON.stringify(t)}\n`);
    } catch (e) {
      throw new InputError(`--trace: ${(e as Error).message}`);
    }
    err(`wrote ${o.trace} (${t.traceEvents.length} trace events; open it in ui.perfetto.dev)\n`);
  }
  const text = o.json
    ? `${JSON.stringify(row)}\n`
    : o.csv
      ? `${RUN_COLUMNS.join(",")}\n${csvLine(row)}\n`
      : log !== null
        ? logText(records, log)
        : summaryText(
            r.label,
            row,
            prep.scenario.duration,
            new Set(res.windows.map((w) => w.vector)).size,
            r.title,
          );
  return { text, row };
}

/**
 * The log: the records of the chosen components in time order (a delivery is recorded when it
 * is scheduled, ahead of its time), and the verdict last.
 */
function logText(records: readonly TraceRecord[], components: ReadonlySet<string>): string {
  const shown = records.filter((r) => components.has(r.component) || r.kind.startsWith("verdict:"));
  const sorted = [...shown].sort((a, b) => a.time - b.time);
  return `${sorted.map(logLine).join("\n")}\n`;
}
