import { type DurationInput, parseDuration } from "../engine/index.js";
import type { Hns3ParamsInput } from "../guest/hns3-params.js";
import { LINK_MODES, type LinkMode } from "../guest/link-monitor.js";
import { InputError } from "./errors.js";
import type { ScenarioInput } from "./schema.js";

/** A knob of a preset, settable with --param name=value. */
export interface PresetParam {
  readonly name: string;
  readonly kind: "number" | "integer" | "duration" | "boolean" | "choice";
  readonly default: number | string | boolean;
  readonly description: string;
  readonly choices?: readonly string[];
  /** For numbers: exclusive lower bound (e.g. a rate must be > 0) or inclusive minimum. */
  readonly above?: number;
  readonly min?: number;
}

export type PresetValues = Record<string, number | string | boolean>;

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly params: readonly PresetParam[];
  build(v: PresetValues): ScenarioInput;
}

const nicRate: PresetParam = {
  name: "nic_rate",
  kind: "number",
  default: 50_000,
  above: 0,
  description:
    "NIC queue interrupts per second in total, spread evenly over the queue vectors (NAPI: one outstanding per queue)",
};
const trafficBefore: PresetParam = {
  name: "traffic_before",
  kind: "duration",
  default: "50ms",
  description: "NIC traffic starts this long before the reconfiguration",
};
const trafficAfter = (dflt: string): PresetParam => ({
  name: "traffic_after",
  kind: "duration",
  default: dflt,
  description:
    "and stops this long after it starts (traffic elsewhere changes only the counts: a stalled queue stays stalled)",
});
const miscRate: PresetParam = {
  name: "misc_rate",
  kind: "number",
  default: 2,
  min: 0,
  description: "background firmware/mailbox interrupts per second on the misc vector 0",
};
const nicVectors: PresetParam = {
  name: "nic_vectors",
  kind: "integer",
  default: 17,
  min: 2,
  description: "num_nic_msi: misc + queue vectors [assumed]",
};
const roceVectors: PresetParam = {
  name: "roce_vectors",
  kind: "integer",
  default: 32,
  min: 3,
  description: "num_roce_msi: abnormal + AEQ + CEQs [assumed]",
};
const linkMode = (dflt: string): PresetParam => ({
  name: "link_mode",
  kind: "choice",
  default: dflt,
  choices: LINK_MODES,
  description: "how the driver learns link state: poll (PF), mailbox-poll or push (VF)",
});
const duration = (dflt: string): PresetParam => ({
  name: "duration",
  kind: "duration",
  default: dflt,
  description: "simulated time of a run",
});

/** A table big enough for the layout (the device's MSI-X table size). */
function tableFor(v: PresetValues, roceBase?: number): number {
  const base = roceBase ?? Number(v.nic_vectors);
  return Math.min(2048, Math.max(64, base + Number(v.roce_vectors)));
}

/** NIC queue traffic (NAPI, while the interface is up) in [from, to), plus misc background. */
function nicTraffic(v: PresetValues, from: number, to: number): ScenarioInput["traffic"] {
  const queues = Number(v.nic_vectors) - 1;
  const t: NonNullable<ScenarioInput["traffic"]> = [
    {
      vectors: "tqp",
      gate: "nic",
      napi: true,
      start: Math.max(0, from),
      stop: to,
      poisson: { rate: Number(v.nic_rate) / queues },
    },
  ];
  if (Number(v.misc_rate) > 0) {
    t.push({ vectors: "misc", gate: "loaded", poisson: { rate: Number(v.misc_rate) } });
  }
  return t;
}

const ns = (x: number | string | boolean): number => parseDuration(x as DurationInput);

type Timeline = NonNullable<ScenarioInput["timeline"]>;

/**
 * An HNS3 + hns_roce scenario: the layout from the vector-count knobs, NIC traffic around the
 * reconfiguration at `around`, and the timeline (which starts with the driver's bring-up).
 */
function hns3Scenario(
  name: string,
  v: PresetValues,
  around: number,
  driver: Hns3ParamsInput,
  timeline: Timeline,
): ScenarioInput {
  return {
    name,
    duration: ns(v.duration),
    params: { device: { tableSize: tableFor(v) } },
    driver: { nicVectors: Number(v.nic_vectors), roceVectors: Number(v.roce_vectors), ...driver },
    traffic: nicTraffic(v, around - ns(v.traffic_before), around + ns(v.traffic_after)),
    timeline,
  };
}

/** Driver load, interface up and hns_roce load. */
function bringUp(offset: number, roceAt: number): Timeline {
  return [
    { at: offset, action: "hns3-load" },
    { at: offset + 100_000_000, action: "hns3-up" },
    { at: offset + roceAt, action: "roce-load" },
  ];
}

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

export const PRESETS: readonly Preset[] = [
  {
    name: "hns3-roce-load",
    description:
      "hns3 up with NIC traffic, then hns_roce loads: its vectors grow the range one by one (the thread's first story)",
    params: [
      nicRate,
      miscRate,
      { name: "roce_load_at", kind: "duration", default: "4s", description: "when hns_roce loads" },
      nicVectors,
      roceVectors,
      linkMode("poll"),
      trafficBefore,
      trafficAfter("300ms"),
      duration("15s"),
    ],
    build: (v) =>
      hns3Scenario(
        "hns3-roce-load",
        v,
        ns(v.roce_load_at),
        { linkMode: v.link_mode as LinkMode },
        bringUp(0, ns(v.roce_load_at)),
      ),
  },
  {
    name: "hns3-qemu-reset",
    description:
      "a QEMU-initiated reset (vfio_pci_reset: full teardown) during traffic, then the guest re-initialises hns3 and hns_roce",
    params: [
      nicRate,
      miscRate,
      {
        name: "reset_at",
        kind: "duration",
        default: "6s",
        description: "when QEMU resets the device",
      },
      {
        name: "reinit_after",
        kind: "duration",
        default: "1s",
        description: "from the reset to the guest's driver re-initialisation",
      },
      nicVectors,
      roceVectors,
      linkMode("poll"),
      trafficBefore,
      trafficAfter("2s"),
      duration("18s"),
    ],
    build: (v) =>
      hns3Scenario("hns3-qemu-reset", v, ns(v.reset_at), { linkMode: v.link_mode as LinkMode }, [
        ...bringUp(0, 500_000_000),
        { at: ns(v.reset_at), action: "qemu-reset" },
        ...bringUp(ns(v.reset_at) + ns(v.reinit_after), 500_000_000),
      ]),
  },
  {
    name: "hns3-guest-flr",
    description:
      "a guest-initiated FLR during traffic (the thread's test); a VF re-allocates MSI-X on FLR, so QEMU grows the range again",
    params: [
      nicRate,
      { ...miscRate, default: 0 },
      {
        name: "flr_at",
        kind: "duration",
        default: "4s",
        description: "when the guest triggers the FLR",
      },
      {
        name: "function",
        kind: "choice",
        default: "vf",
        choices: ["vf", "pf"],
        description:
          "vf: MSI-X re-init on FLR, link pushed by the PF; pf: state restored, link polled",
      },
      {
        name: "link_up_delay",
        kind: "duration",
        default: "20ms",
        description:
          "VF: the PF pushes link status within this time of NIC up (uniform from 100 us)",
      },
      nicVectors,
      roceVectors,
      trafficBefore,
      trafficAfter("1s"),
      duration("10s"),
    ],
    build: (v) => {
      const vf = v.function === "vf";
      return hns3Scenario(
        "hns3-guest-flr",
        v,
        ns(v.flr_at),
        {
          function: vf ? "vf" : "pf",
          ...(vf ? { linkUpDelay: { uniform: ["100us", ns(v.link_up_delay)] } } : {}),
        },
        [...bringUp(0, 500_000_000), { at: ns(v.flr_at), action: "guest-flr" }],
      );
    },
  },
  {
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
        params: zeroLatencyParams(ns(v.window)),
        traffic: [{ vectors: 0, start: "9500us", stop: "12ms", poisson: { rate: Number(v.rate) } }],
        timeline: [
          { at: 0, action: "msix-enable", nvec: 16 },
          { at: 0, action: "unmask", vectors: 0 },
          { at: "10ms", action: "unmask", vectors: 1 },
        ],
      };
    },
  },
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
