import { type DurationInput, parseDuration, S } from "../engine/index.js";
import { VF_ROCE_BASE } from "../guest/hns3/layout.js";
import { type Hns3ParamsInput, Hns3ParamsSchema } from "../guest/hns3/params.js";
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
  /** A duration that may also be "auto" (the preset computes it). */
  readonly auto?: boolean;
}

export type PresetValues = Record<string, number | string | boolean>;

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly params: readonly PresetParam[];
  build(v: PresetValues): ScenarioInput;
}

const fn = (dflt: "pf" | "vf"): PresetParam => ({
  name: "function",
  kind: "choice",
  default: dflt,
  choices: ["pf", "vf"],
  description:
    "pf: hclge (link polled from firmware); vf: hclgevf (link, resets and its FLR through PF mailbox messages on the misc vector; RoCE vectors at 64; MSI-X re-allocated on FLR)",
});
const rxPps = (dflt: number): PresetParam => ({
  name: "rx_pps",
  kind: "number",
  default: dflt,
  min: 0,
  description: "received packets per second on each queue in use",
});
const txPps = (dflt: number): PresetParam => ({
  name: "tx_pps",
  kind: "number",
  default: dflt,
  min: 0,
  description:
    "transmitted packets per second on each queue (0: RX only, which never trips the TX watchdog)",
});
const trafficBefore: PresetParam = {
  name: "traffic_before",
  kind: "duration",
  default: "50ms",
  description: "NIC packets start this long before the reconfiguration",
};
const trafficAfter: PresetParam = {
  name: "traffic_after",
  kind: "duration",
  default: "auto",
  auto: true,
  description:
    "and stop this long after it; auto: long enough for a stalled queue to send tx_stop packets (3 x txStopPackets / tx_pps, at least 1 s), so that TX load decides the watchdog, not the window",
};
const miscRefire: PresetParam = {
  name: "misc_refire",
  kind: "boolean",
  default: false,
  description:
    "driver.miscCauseRefire: the misc vector re-sends for each new cause while one is latched (true) or only on clear-to-set (false) [assumed]",
};
const miscRate: PresetParam = {
  name: "misc_rate",
  kind: "number",
  default: 0,
  min: 0,
  description: "other misc-vector causes per second (PTP and other causes) [assumed]",
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
const tqpVectors: PresetParam = {
  name: "tqp_vectors",
  kind: "integer",
  default: 0,
  min: 0,
  description: "queue vectors in use, min(vCPUs, queues); 0: nic_vectors - 1 [assumed]",
};
const duration = (dflt: string): PresetParam => ({
  name: "duration",
  kind: "duration",
  default: dflt,
  description:
    "simulated time of a run: long enough for the slowest recovery the preset can trigger (watchdog, throttled reset, retries); a run that ends mid-recovery says outcome=incomplete",
});

const ns = (x: number | string | boolean): number => parseDuration(x as DurationInput);

/** The driver's vector layout from the knobs, and a table big enough for it. */
function driverOf(v: PresetValues, extra: Hns3ParamsInput = {}): Hns3ParamsInput {
  const tqp = Number(v.tqp_vectors);
  return {
    function: v.function === "vf" ? "vf" : "pf",
    nicVectors: Number(v.nic_vectors),
    roceVectors: Number(v.roce_vectors),
    ...(tqp > 0 ? { tqpVectors: tqp } : {}),
    miscCauseRefire: v.misc_refire === true,
    miscEventRate: Number(v.misc_rate),
    ...extra,
  };
}

function tableFor(v: PresetValues): number {
  const base = v.function === "vf" ? VF_ROCE_BASE : Number(v.nic_vectors);
  return Math.min(2048, Math.max(64, base + Number(v.roce_vectors)));
}

/** traffic_after, with "auto": time for a stalled queue to send 3 x txStopPackets. */
function trafficAfterOf(v: PresetValues): number {
  if (v.traffic_after !== "auto") return ns(v.traffic_after);
  const tx = Number(v.tx_pps);
  const stop = Hns3ParamsSchema.parse({}).txStopPackets;
  return Math.max(S, tx > 0 ? Math.ceil((3 * stop * S) / tx) : 0);
}

type Timeline = NonNullable<ScenarioInput["timeline"]>;

/** Time to allow for a driver's rebuild or hns_roce's vector growth after it starts. */
const REBUILD = 500_000_000;

/**
 * An HNS3 + hns_roce scenario: the layout from the knobs, NIC packets around the
 * reconfiguration (which happens within [from, to]: from traffic_before before `from` to
 * traffic_after after `to`), and the timeline (which starts with the driver's bring-up).
 */
function hns3Scenario(
  name: string,
  v: PresetValues,
  [from, to]: readonly [number, number],
  timeline: Timeline,
  extra: Hns3ParamsInput = {},
): ScenarioInput {
  const pps = Number(v.rx_pps) + Number(v.tx_pps);
  return {
    name,
    duration: ns(v.duration),
    params: { device: { tableSize: tableFor(v) } },
    driver: driverOf(v, extra),
    ...(pps > 0
      ? {
          nic: {
            rxPps: Number(v.rx_pps),
            txPps: Number(v.tx_pps),
            start: Math.max(0, from - ns(v.traffic_before)),
            stop: to + trafficAfterOf(v),
          },
        }
      : {}),
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

const common = (rx: number, tx: number): PresetParam[] => [
  rxPps(rx),
  txPps(tx),
  miscRefire,
  miscRate,
  nicVectors,
  roceVectors,
  tqpVectors,
  trafficBefore,
  trafficAfter,
];

export const PRESETS: readonly Preset[] = [
  {
    name: "hns3-roce-load",
    description:
      "hns3 is up with NIC traffic, then hns_roce loads: its vectors grow the range one by one (the thread's first story)",
    params: [
      fn("pf"),
      ...common(1000, 1000),
      { name: "roce_load_at", kind: "duration", default: "4s", description: "when hns_roce loads" },
      duration("30s"),
    ],
    build: (v) =>
      hns3Scenario(
        "hns3-roce-load",
        v,
        [ns(v.roce_load_at), ns(v.roce_load_at) + REBUILD],
        bringUp(0, ns(v.roce_load_at)),
      ),
  },
  {
    name: "hns3-qemu-reset",
    description:
      "QEMU resets the device (vfio_pci_reset: full teardown) during traffic; the guest then probes hns3 and hns_roce again and the range grows from zero",
    params: [
      fn("pf"),
      ...common(1000, 1000),
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
        description: "from the reset to the guest's driver probe",
      },
      duration("40s"),
    ],
    build: (v) => {
      const again = ns(v.reset_at) + ns(v.reinit_after);
      return hns3Scenario(
        "hns3-qemu-reset",
        v,
        [ns(v.reset_at), again + S],
        [
          ...bringUp(0, 500_000_000),
          { at: ns(v.reset_at), action: "qemu-reset" },
          ...bringUp(again, 500_000_000),
        ],
      );
    },
  },
  {
    name: "hns3-guest-flr",
    description:
      "a guest-initiated FLR of a loaded port; a VF frees and re-allocates MSI-X on FLR (hclgevf_pci_reset), so QEMU grows the range again from zero",
    params: [
      fn("vf"),
      ...common(1000, 1000),
      {
        name: "flr_at",
        kind: "duration",
        default: "4s",
        description: "when the guest triggers the FLR (drawn uniformly over the next second)",
      },
      duration("30s"),
    ],
    build: (v) => {
      const at = ns(v.flr_at);
      return hns3Scenario(
        "hns3-guest-flr",
        v,
        [at, at + S + REBUILD],
        [...bringUp(0, 500_000_000), { at: { uniform: [at, at + S] }, action: "guest-flr" }],
      );
    },
  },
  {
    name: "hns3-thread-test",
    description:
      "the thread's own test on HIP09: load hns3 and hns_roce_hw_v2 in the guest, then trigger an FLR, on a nearly idle port",
    params: [
      fn("vf"),
      ...common(2, 2),
      {
        name: "flr_at",
        kind: "duration",
        default: "5s",
        description:
          "when the guest triggers the FLR (drawn uniformly over the next second, so its phase against the 1 s service task is random)",
      },
      duration("60s"),
    ],
    build: (v) => {
      const at = ns(v.flr_at);
      return hns3Scenario(
        "hns3-thread-test",
        v,
        [at, at + S + REBUILD],
        [...bringUp(0, 1_000_000_000), { at: { uniform: [at, at + S] }, action: "guest-flr" }],
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
