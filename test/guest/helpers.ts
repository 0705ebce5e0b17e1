import { MemoryTrace, type TraceRecord } from "../../src/engine/index.js";
import type { ProfileName } from "../../src/model/profiles.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario, runScenario, type ScenarioResult } from "../../src/scenario/runner.js";
import { type ScenarioInput, ScenarioSchema } from "../../src/scenario/schema.js";

export interface GuestRun extends ScenarioResult {
  trace: TraceRecord[];
}

/** Runs a preset (with --param / --set) or a scenario object, with a trace. */
export function runGuest(
  src: { preset: string; params?: string[]; sets?: string[] } | ScenarioInput,
  profile: ProfileName,
  seed = 1,
  recordInterrupts = false,
): GuestRun {
  const scenario =
    "preset" in src && typeof src.preset === "string"
      ? resolveScenario(src as { preset: string }).scenario
      : ScenarioSchema.parse(src);
  const trace = new MemoryTrace();
  const res = runScenario(prepareScenario(scenario), { profile, seed, trace, recordInterrupts });
  return { ...res, trace: trace.records };
}

/** Trace records of one component and kind. */
export function records(run: GuestRun, component: string, kind: string): TraceRecord[] {
  return run.trace.filter((r) => r.component === component && r.kind === kind);
}

export const ms = (ns: number): number => ns / 1e6;
