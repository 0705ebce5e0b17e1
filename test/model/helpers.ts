import type { ModelParamsInput } from "../../src/model/params.js";

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
  const z = "0";
  return {
    device: { pbaSurvivesDisable: overrides.pbaSurvivesDisable ?? true },
    its: { commandLatency: { MAPD: z, MAPTI: z, DISCARD: z, SYNC: z, INV: z, MAPC: z, INVALL: z } },
    host: {
      lpiTakeLatency: overrides.lpiTakeLatency ?? z,
      cost: {
        ioctl: overrides.ioctl ?? z,
        requestIrq: z,
        freeIrq: z,
        irqBypass: z,
        msiAlloc: z,
        msiFree: z,
        itsDeviceCreate: z,
        capabilityInit: z,
        msixShutdown: z,
        entryWrite: z,
        directLpiInv: z,
        flr: z,
      },
    },
    qemu: { trap: z, kvmRoute: z, setIrqsPrepare: z },
    guest: { flrWait: z },
  };
}
