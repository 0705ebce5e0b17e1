import { extname } from "node:path";
import { FORBIDDEN_KEYS, parseJsonStrict, parseYamlStrict } from "../io/data-file.js";
import { readInputFile } from "../io/files.js";
import { checkScenario } from "./check.js";
import { InputError, parseWith } from "./errors.js";
import { type Preset, presetByName, presetValues } from "./presets.js";
import { type PreparedScenario, prepareScenario } from "./runner.js";
import { type Scenario, type ScenarioInput, ScenarioSchema } from "./schema.js";

export const DEFAULT_PRESET = "hns3-roce-load";

/** Where a scenario comes from: a preset with --param values, or a file; then --set overrides. */
export interface ScenarioSource {
  preset?: string | undefined;
  scenarioFile?: string | undefined;
  params?: readonly string[];
  sets?: readonly string[];
}

export interface ResolvedScenario {
  /** "preset hns3-roce-load" or "scenario path/to/file.json". */
  label: string;
  preset: Preset | null;
  input: ScenarioInput;
  scenario: Scenario;
  /** Parameters resolved and every field checked (checkScenario): ready to run. */
  prep: PreparedScenario;
}

export function resolveScenario(src: ScenarioSource): ResolvedScenario {
  if (src.preset !== undefined && src.scenarioFile !== undefined) {
    throw new InputError("--preset and --scenario: give one of them, not both");
  }
  let input: ScenarioInput;
  let preset: Preset | null = null;
  let label: string;
  if (src.scenarioFile !== undefined) {
    if ((src.params ?? []).length > 0) {
      throw new InputError("--param: only for presets; use --set path=value with --scenario");
    }
    input = readScenarioFile(src.scenarioFile);
    label = `scenario ${src.scenarioFile}`;
  } else {
    preset = presetByName(src.preset ?? DEFAULT_PRESET);
    input = preset.build(presetValues(preset, src.params ?? []));
    label = `preset ${preset.name}`;
  }
  for (const s of src.sets ?? []) input = applySet(input, s);
  const scenario = parseWith(ScenarioSchema, input);
  const prep = prepareScenario(scenario);
  checkScenario(prep);
  return { label, preset, input, scenario, prep };
}

export function readScenarioFile(path: string): ScenarioInput {
  const text = readInputFile(path, "--scenario");
  const ext = extname(path).toLowerCase();
  try {
    const data: unknown =
      ext === ".yaml" || ext === ".yml" ? parseYamlStrict(text) : parseJsonStrict(text);
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new Error("the top level must be an object");
    }
    return data as ScenarioInput;
  } catch (e) {
    throw new InputError(
      `--scenario ${path}: not valid ${ext === ".json" || ext === "" ? "JSON" : "YAML"}: ${(e as Error).message}`,
    );
  }
}

/**
 * --set path=value: path like params.host.cost.ioctl, traffic[0].poisson.rate or
 * traffic.0.poisson.rate; value is JSON when it parses as JSON ("50000", "true", "[1,2]",
 * "{\"uniform\":[\"1us\",\"2us\"]}"), otherwise a plain string ("5us").
 */
export function applySet<T>(input: T, assignment: string): T {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new InputError(`--set ${assignment}: expected path=value`);
  const name = assignment.slice(0, eq);
  const path = name
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((k) => k !== "");
  if (path.length === 0) throw new InputError(`--set ${assignment}: expected path=value`);
  const bad = path.find((k) => FORBIDDEN_KEYS.has(k));
  if (bad !== undefined) {
    throw new InputError(
      `--set ${name}: "${bad}" is not a scenario field (and never allowed in a path)`,
    );
  }
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const copy = structuredClone(input) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    // Own fields only: "toString" is not a field of the scenario because objects have it.
    const next = Object.hasOwn(node, k) ? node[k] : undefined;
    if (next === undefined) {
      node[k] = /^\d+$/.test(path[i + 1]!) ? [] : {};
    } else if (next === null || typeof next !== "object") {
      throw new InputError(
        `--set ${path.slice(0, i + 1).join(".")}: is a ${typeof next}, not an object`,
      );
    }
    node = node[k] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return copy as T;
}
