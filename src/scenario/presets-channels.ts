import { BnxtParamsSchema } from "../guest/bnxt/params.js";
import { Hns3ParamsSchema } from "../guest/hns3/params.js";
import { IceParamsSchema } from "../guest/ice/params.js";
import { Mlx5ParamsSchema } from "../guest/mlx5/params.js";
import {
  duration,
  nicLoadOf,
  ns,
  type Preset,
  type PresetValues,
  REBUILD,
  rxPps,
  trafficAfter,
  trafficBefore,
  txPps,
} from "./preset-kit.js";
import { iceTableSize } from "./presets-ice.js";
import type { ScenarioInput } from "./schema.js";

/** A design's driver parameters with `from` channels in use, for up to `to`. */
export interface ChannelsDesign {
  driver(from: number, to: number): NonNullable<ScenarioInput["driver"]>;
  /** The MSI-X table size the function needs. */
  tableSize(from: number, to: number): number;
  /** Its TX stop threshold (for traffic_after=auto). */
  readonly txStopPackets: number;
}

/** Every design channels-grow can run, by driver name. */
export const CHANNEL_DESIGNS: Readonly<Record<string, ChannelsDesign>> = {
  hns3: {
    driver: (from, to) => ({
      name: "hns3",
      nicVectors: Math.max(17, to + 1),
      tqpVectors: from,
    }),
    tableSize: (_from, to) => Math.max(64, Math.max(17, to + 1) + 32),
    txStopPackets: Hns3ParamsSchema.parse({}).txStopPackets,
  },
  mlx5: {
    driver: (from, to) => ({ name: "mlx5", compVectors: Math.max(16, to), channels: from }),
    tableSize: (_from, to) => Math.max(64, Math.max(16, to) + 1),
    txStopPackets: Mlx5ParamsSchema.parse({}).txStopPackets,
  },
  // ice_set_channels: at most num_online_cpus() channels (ice_get_max_txq), so cpus >= to
  ice: {
    driver: (from, to) => ({ name: "ice", cpus: Math.max(16, to), lanQueues: from }),
    tableSize: (from, to) => iceTableSize({ name: "ice", cpus: Math.max(16, to), lanQueues: from }),
    txStopPackets: IceParamsSchema.parse({ name: "ice" }).txStopPackets,
  },
  // bnxt: RoCE vectors 0..R-1 stay below the L2 rings; a ring-count change frees and
  // re-allocates every vector unless the guest allocates MSI-X dynamically (bnxt_reserve_rings).
  bnxt: {
    driver: (from, to) => ({
      name: "bnxt",
      l2Rings: from,
      l2RingsMax: Math.max(from, to),
      rdmaCqRate: 100,
      rdmaCmdRate: 1,
    }),
    tableSize: (from, to) =>
      Math.max(64, BnxtParamsSchema.parse({ name: "bnxt" }).roceVectors + Math.max(from, to)),
    txStopPackets: BnxtParamsSchema.parse({ name: "bnxt" }).txStopPackets,
  },
};

/**
 * ethtool -L combined N -> M at run time while traffic flows, for any design: the new queue
 * vectors are requested while the old ones (or, for a design that takes the old queues down,
 * the control vector) carry interrupts.
 */
export const CHANNELS_GROW: Preset = {
  name: "channels-grow",
  description:
    "ethtool -L combined N -> M at run time while traffic flows (any driver design): new queue vectors are requested while others are live",
  params: [
    {
      name: "driver",
      kind: "choice",
      default: "hns3",
      choices: Object.keys(CHANNEL_DESIGNS),
      description: "the driver design",
    },
    {
      name: "channels_from",
      kind: "integer",
      default: 4,
      min: 1,
      description: "combined channels at interface up",
    },
    {
      name: "channels_to",
      kind: "integer",
      default: 8,
      min: 1,
      description: "combined channels after ethtool -L",
    },
    {
      name: "rdma",
      kind: "boolean",
      default: false,
      description: "load the RDMA driver before the channels grow",
    },
    rxPps(1000),
    txPps(1000),
    { name: "grow_at", kind: "duration", default: "4s", description: "when ethtool -L runs" },
    trafficBefore,
    trafficAfter,
    duration("30s"),
  ],
  build: (v: PresetValues) => {
    const design = CHANNEL_DESIGNS[String(v.driver)]!;
    const from = Number(v.channels_from);
    const to = Number(v.channels_to);
    const at = ns(v.grow_at);
    return {
      name: "channels-grow",
      duration: ns(v.duration),
      params: { device: { tableSize: design.tableSize(from, to) } },
      driver: design.driver(from, to),
      ...nicLoadOf(v, [at, at + REBUILD], design.txStopPackets),
      timeline: [
        { at: 0, action: "load" },
        { at: "100ms", action: "up" },
        ...(v.rdma === true ? [{ at: "500ms", action: "rdma-load" as const }] : []),
        { at, action: "channels", count: to },
      ],
    };
  },
};
