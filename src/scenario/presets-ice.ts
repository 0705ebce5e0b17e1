import { iceNumMsi } from "../guest/ice/layout.js";
import { type IceParamsInput, IceParamsSchema } from "../guest/ice/params.js";
import {
  duration,
  nicLoadOf,
  ns,
  type Preset,
  type PresetParam,
  type PresetValues,
  REBUILD,
  rxPps,
  trafficAfter,
  trafficBefore,
  txPps,
} from "./preset-kit.js";

const TX_STOP = IceParamsSchema.parse({ name: "ice" }).txStopPackets;

const cpus: PresetParam = {
  name: "cpus",
  kind: "integer",
  default: 16,
  min: 1,
  description:
    "num_online_cpus() of the guest: LAN queues at probe, irdma's vectors (cpus + 1) and the ethtool -L maximum [assumed]",
};
const lanQueues: PresetParam = {
  name: "lan_queues",
  kind: "integer",
  default: 0,
  min: 0,
  description: "combined channels at probe; 0: cpus (ice_get_txq_count)",
};
const fdir: PresetParam = {
  name: "fdir",
  kind: "boolean",
  default: true,
  description:
    "ICE_FLAG_FD_ENA: the Flow Director vector is requested at probe, above the LAN vectors (false: the LAN vectors are the new maxima at ifup)",
};
const oicrRefire: PresetParam = {
  name: "oicr_refire",
  kind: "boolean",
  default: false,
  description:
    "driver.oicrCauseRefire: the OICR vector re-sends for each new cause after a lost message (true) or stays disabled until software re-enables it (false) [assumed]",
};
const oicrRate: PresetParam = {
  name: "oicr_rate",
  kind: "number",
  default: 0,
  min: 0,
  description: "other OICR causes per second (PTP Tx timestamps, MDD, VF mailbox) [assumed]",
};

/** The driver from the knobs. */
function driverOf(v: PresetValues): IceParamsInput {
  const q = Number(v.lan_queues);
  return {
    name: "ice",
    cpus: Number(v.cpus),
    ...(q > 0 ? { lanQueues: q } : {}),
    flowDirector: v.fdir === true,
    oicrCauseRefire: v.oicr_refire === true,
    oicrEventRate: Number(v.oicr_rate),
  };
}

/** An MSI-X table big enough for msix.max (an E810 PF has more entries than ice asks for). */
export function iceTableSize(p: IceParamsInput): number {
  return Math.min(2048, Math.max(64, iceNumMsi(IceParamsSchema.parse(p))));
}

export const ICE_PRESETS: readonly Preset[] = [
  {
    name: "ice-irdma-load",
    description:
      "ice is up with NIC traffic, then irdma loads (modprobe): its CEQ vectors are requested one by one above the LAN and Flow Director vectors, each a new maximum",
    params: [
      rxPps(1000),
      txPps(1000),
      cpus,
      lanQueues,
      fdir,
      oicrRefire,
      oicrRate,
      trafficBefore,
      trafficAfter,
      { name: "irdma_load_at", kind: "duration", default: "4s", description: "when irdma loads" },
      duration("30s"),
    ],
    build: (v) => {
      const at = ns(v.irdma_load_at);
      const driver = driverOf(v);
      return {
        name: "ice-irdma-load",
        duration: ns(v.duration),
        params: { device: { tableSize: iceTableSize(driver) } },
        driver,
        ...nicLoadOf(v, [at, at + REBUILD], TX_STOP),
        timeline: [
          { at: 0, action: "load" },
          { at: "100ms", action: "up" },
          { at, action: "rdma-load" },
        ],
      };
    },
  },
];
