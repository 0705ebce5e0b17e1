import type { ModelParamsInput } from "../../src/model/params.js";
import { zeroLatencyParams } from "../../src/scenario/presets.js";

/** Every control-plane latency fixed (no randomness besides traffic). */
export function fixedParams(overrides: ModelParamsInput = {}): ModelParamsInput {
  const its = {
    MAPD: "1us",
    MAPTI: "800ns",
    DISCARD: "800ns",
    SYNC: "400ns",
    INV: "400ns",
    MAPC: "800ns",
    INVALL: "2us",
  };
  return {
    ...overrides,
    device: { ...overrides.device },
    its: { ...overrides.its, commandLatency: { ...its, ...overrides.its?.commandLatency } },
    host: { ...overrides.host },
    qemu: { ...overrides.qemu },
  };
}

/** All costs zero except the ones given: for closed-form checks. */
export function zeroCosts(
  overrides: { ioctl?: string; lpiTakeLatency?: string; pbaSurvivesDisable?: boolean } = {},
): ModelParamsInput {
  const p = zeroLatencyParams(overrides.ioctl ?? 0) as ModelParamsInput;
  return {
    ...p,
    device: { pbaSurvivesDisable: overrides.pbaSurvivesDisable ?? true },
    host: { ...p.host, lpiTakeLatency: overrides.lpiTakeLatency ?? "0" },
  };
}
