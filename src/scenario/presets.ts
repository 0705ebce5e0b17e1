import { type DurationInput, parseDuration } from "../engine/index.js";
import { InputError } from "./errors.js";
import type { Preset, PresetParam, PresetValues } from "./preset-kit.js";
import { BNXT_PRESETS } from "./presets-bnxt.js";
import { CHANNELS_GROW } from "./presets-channels.js";
import { HNS3_PRESETS } from "./presets-hns3.js";
import { ICE_PRESETS } from "./presets-ice.js";
import { MLX5_PRESETS } from "./presets-mlx5.js";
import type { ScenarioInput } from "./schema.js";

export type { Preset, PresetParam, PresetValues } from "./preset-kit.js";

/** Every latency zero except the VFIO ioctl: the MSI-X-disabled phase of a cycle is exactly `ioctl`. */
export function zeroLatencyParams(ioctl: DurationInput = 0): NonNullable<ScenarioInput["params"]> {
  const z = "0";
  return {
    device: { pbaSurvivesDisable: true },
    its: { commandLatency: { MAPD: z, MAPTI: z, DISCARD: z, SYNC: z, INV: z, MAPC: z, INVALL: z } },
    host: {
      lpiTakeLatency: z,
      cost: {
        ioctl,
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

/** One active vector and one teardown cycle of exactly `window`: the closed-form check. */
const SINGLE_VECTOR_WINDOW: Preset = {
  name: "single-vector-window",
  description:
    "one active vector with Poisson traffic, then one teardown cycle whose MSI-X-disabled phase lasts exactly `window` (closed-form check)",
  params: [
    {
      name: "rate",
      kind: "number",
      default: 20_000,
      above: 0,
      description: "interrupts per second on vector 0",
    },
    {
      name: "window",
      kind: "duration",
      default: "50us",
      description: "length of the MSI-X-disabled phase (all other latencies are zero)",
    },
  ],
  build: (v) => {
    return {
      name: "single-vector-window",
      duration: "13ms",
      params: zeroLatencyParams(parseDuration(v.window as DurationInput)),
      traffic: [{ vectors: 0, start: "9500us", stop: "12ms", poisson: { rate: Number(v.rate) } }],
      timeline: [
        { at: 0, action: "msix-enable", nvec: 16 },
        { at: 0, action: "unmask", vectors: 0 },
        { at: "10ms", action: "unmask", vectors: 1 },
      ],
    };
  },
};

export const PRESETS: readonly Preset[] = [
  ...HNS3_PRESETS,
  ...MLX5_PRESETS,
  ...ICE_PRESETS,
  ...BNXT_PRESETS,
  CHANNELS_GROW,
  SINGLE_VECTOR_WINDOW,
];

export function presetByName(name: string): Preset {
  const p = PRESETS.find((x) => x.name === name);
  if (p === undefined) {
    throw new InputError(
      `--preset: unknown preset "${name}" (known: ${PRESETS.map((x) => x.name).join(", ")})`,
    );
  }
  return p;
}

/** Parses --param name=value pairs against the preset's knobs; unknown names are errors. */
export function presetValues(p: Preset, assignments: readonly string[]): PresetValues {
  const v: PresetValues = Object.fromEntries(p.params.map((x) => [x.name, x.default]));
  for (const a of assignments) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new InputError(`--param ${a}: expected name=value`);
    const name = a.slice(0, eq);
    const raw = a.slice(eq + 1);
    const def = p.params.find((x) => x.name === name);
    if (def === undefined) {
      throw new InputError(
        `--param ${name}: preset ${p.name} has no such parameter (known: ${p.params.map((x) => x.name).join(", ")})`,
      );
    }
    v[name] = parseParam(def, raw);
  }
  return v;
}

function parseParam(def: PresetParam, raw: string): number | string | boolean {
  const field = `--param ${def.name}`;
  switch (def.kind) {
    case "number":
    case "integer": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n))
        throw new InputError(`${field}: "${raw}" is not a number`);
      if (def.kind === "integer" && !Number.isInteger(n))
        throw new InputError(`${field}: must be a whole number`);
      if (def.above !== undefined && !(n > def.above))
        throw new InputError(`${field}: must be > ${def.above}`);
      if (def.min !== undefined && n < def.min)
        throw new InputError(`${field}: must be >= ${def.min}`);
      return n;
    }
    case "duration":
      if (def.auto === true && raw === "auto") return raw;
      try {
        return parseDuration(raw);
      } catch (e) {
        throw new InputError(`${field}: ${(e as Error).message}`);
      }
    case "boolean":
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new InputError(`${field}: must be true or false`);
    case "choice":
      if (!def.choices!.includes(raw)) {
        throw new InputError(`${field}: must be one of ${def.choices!.join(", ")}`);
      }
      return raw;
  }
}
