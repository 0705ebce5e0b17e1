import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RUN_COLUMNS, type RunRow } from "../analysis/run-row.js";
import { csvRow } from "../io/csv-line.js";
import { parseJsonStrict } from "../io/data-file.js";
import { errnoText } from "../io/files.js";
import { PROFILE_NAMES, type ProfileName } from "../model/profiles.js";
import { checkScenario } from "../scenario/check.js";
import { InputError, parseWith } from "../scenario/errors.js";
import { type PreparedScenario, prepareScenario } from "../scenario/runner.js";
import { ScenarioSchema } from "../scenario/schema.js";

/** What replay needs of a batch's manifest.json. */
const ManifestSchema = z
  .object({
    scenario: z.record(z.string(), z.unknown()),
    scenario_source: z.string().optional(),
    profiles: z.array(z.enum(PROFILE_NAMES)).min(1),
    runs: z.number().int().min(1),
    seeds: z.object({ base: z.number().int().min(0) }).loose(),
    version: z.string().optional(),
    git_commit: z.string().nullable().optional(),
  })
  .loose();

export interface Replay {
  /** The batch's fully resolved scenario, checked again. */
  prep: PreparedScenario;
  run: number;
  seed: number;
  profile: ProfileName;
  /** "run 3 of batch out/flr (preset hns3-guest-flr)". */
  label: string;
  /** The row's line in DIR/runs.csv, when the folder has it (a shard holds only its runs). */
  line: string | null;
  /** Who made the batch: "msix-sim 0.1.0, commit 1234567". */
  madeBy: string;
}

/**
 * Reads a batch folder's manifest to re-run one of its rows: run `run` (seed = base + run) under
 * `profile`, with the scenario exactly as the batch ran it.
 */
export function loadReplay(dir: string, run: number, profile: string | undefined): Replay {
  const file = join(dir, "manifest.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(
      `replay: cannot read ${file} (the folder of a finished batch has one): ${errnoText(e)}`,
    );
  }
  let m: z.output<typeof ManifestSchema>;
  try {
    m = parseWith(ManifestSchema, parseJsonStrict(text));
  } catch (e) {
    throw new InputError(`replay: ${file} is not the manifest of a batch: ${(e as Error).message}`);
  }
  if (run >= m.runs) {
    throw new InputError(`--run: ${run} is not a run of this batch (runs 0..${m.runs - 1})`);
  }
  let p: ProfileName;
  if (profile === undefined) {
    if (m.profiles.length > 1) {
      throw new InputError(`--profile: required; the batch ran ${m.profiles.join(", ")}`);
    }
    p = m.profiles[0]!;
  } else if (!(m.profiles as string[]).includes(profile)) {
    throw new InputError(
      `--profile: the batch did not run "${profile}" (it ran ${m.profiles.join(", ")})`,
    );
  } else p = profile as ProfileName;
  // Checked like any scenario, but run as the batch ran it: the manifest holds the resolved form.
  try {
    parseWith(ScenarioSchema, m.scenario, "scenario");
  } catch (e) {
    throw new InputError(`replay: ${file}: ${(e as Error).message}`);
  }
  const prep = prepareScenario(m.scenario as unknown as PreparedScenario["scenario"]);
  checkScenario(prep);
  const seed = m.seeds.base + run;
  return {
    prep,
    run,
    seed,
    profile: p,
    label: `run ${run} of ${dir}${m.scenario_source ? ` (${m.scenario_source})` : ""}`,
    line: findLine(join(dir, "runs.csv"), `${run},${seed},${p},`),
    madeBy: `msix-sim ${m.version ?? "?"}${m.git_commit ? `, commit ${m.git_commit.slice(0, 12)}` : ""}`,
  };
}

function findLine(file: string, prefix: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const at = text.startsWith(prefix) ? 0 : text.indexOf(`\n${prefix}`) + 1;
  if (at <= 0 && !text.startsWith(prefix)) return null;
  const end = text.indexOf("\n", at);
  return text.slice(at, end < 0 ? undefined : end);
}

/** A row as its line of runs.csv (the same CSV writer settings). */
export function csvLine(row: RunRow): string {
  return csvRow(row, RUN_COLUMNS);
}
