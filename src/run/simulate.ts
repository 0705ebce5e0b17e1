import { type Window, windowsOf } from "../analysis/windows.js";
import type { Step } from "../model/cpu.js";
import { Machine, type MachineOptions } from "../model/machine.js";
import { collectRecord, type RunRecord } from "../model/run-record.js";

export interface SimulateOptions extends MachineOptions {
  /** The control-plane script: guest actions, drivers. Runs as a process from time 0. */
  script?: (m: Machine) => Step<unknown>;
}

export interface RunResult {
  record: RunRecord;
  /** Drop windows of every vector, by vector then start. */
  windows: Window[];
  deferWindows: Window[];
}

/**
 * Runs one simulation to `until` and returns its record and windows. The programmatic API:
 *
 *   simulate({ profile: "legacy", seed: 1, until: 50 * MS,
 *     traffic: [{ vectors: "0-15", poisson: { rate: 50_000 } }],
 *     script: function* (m) {
 *       yield m.guest.enable();
 *       yield m.guest.unmask(range(0, 16));
 *       yield sleep(10 * MS);
 *       yield m.guest.unmask(range(16, 48));
 *     } });
 */
export function simulate(opts: SimulateOptions): RunResult {
  const m = new Machine(opts);
  if (opts.script) m.spawn(opts.script(m), "script");
  m.sim.run({ until: opts.until });
  const record = collectRecord(m, opts.seed);
  const w = windowsOf(record);
  return { record, windows: w.drop, deferWindows: w.defer };
}

/** [from, to) as an array: unmask(range(16, 48)). */
export function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  if (step > 0) for (let v = from; v < to; v += step) out.push(v);
  else for (let v = from; v > to; v += step) out.push(v);
  return out;
}
