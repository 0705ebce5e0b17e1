import { type BnxtParamsInput, BnxtParamsSchema } from "../guest/bnxt/params.js";
import {
  duration,
  nicLoadOf,
  ns,
  type Preset,
  type PresetParam,
  type PresetValues,
  REBUILD,
  rxPps,
  type Timeline,
  trafficAfter,
  trafficBefore,
  txPps,
} from "./preset-kit.js";

const DEFAULTS = BnxtParamsSchema.parse({ name: "bnxt" });

/** RoCE load knobs shared by the bnxt presets. */
export const rdmaCqRate: PresetParam = {
  name: "rdma_cq_rate",
  kind: "number",
  default: 100,
  min: 0,
  description:
    "driver.rdmaCqRate: RoCE completion notifications per second on each NQ once the RoCE port is active [assumed; 0 = idle]",
};
export const rdmaCmdRate: PresetParam = {
  name: "rdma_cmd_rate",
  kind: "number",
  default: 1,
  min: 0,
  description:
    "driver.rdmaCmdRate: verbs control commands per second over RCFW (completions on the CREQ interrupt) [assumed; 0 = none]",
};

/** The driver's parameters from the knobs. */
function driverOf(v: PresetValues): BnxtParamsInput {
  const rings = Number(v.l2_rings);
  return {
    name: "bnxt",
    roceVectors: Number(v.roce_vectors),
    l2Rings: rings,
    // layout=top: the RoCE block right after the L2 rings, as kernels up to ~v6.2 placed it.
    roceBase: v.layout === "top" ? rings : 0,
    guestAllocDyn: v.guest_alloc_dyn === true,
    rdmaCqRate: Number(v.rdma_cq_rate),
    rdmaCmdRate: Number(v.rdma_cmd_rate),
  };
}

/**
 * bnxt-re-load: bnxt_en probes, then its two steps come in the chosen order. up-first: the NIC
 * is up with traffic and bnxt_re loads at `second_at` (in mainline its vectors lie below every
 * L2 vector: no resize). rdma-first (bnxt_re bound at boot, before NetworkManager brings the
 * port up): bnxt_re grows the range from 0 and the interface comes up at `second_at`, every L2
 * vector a new maximum while the RoCE vectors are live.
 */
export const BNXT_RE_LOAD: Preset = {
  name: "bnxt-re-load",
  description:
    "bnxt_en is up with NIC traffic, then bnxt_re loads (order=rdma-first: bnxt_re first, then ifup, each L2 vector a new maximum with RoCE live); layout=top for kernels <= ~v6.2 (RoCE after the L2 rings)",
  params: [
    {
      name: "order",
      kind: "choice",
      default: "up-first",
      choices: ["up-first", "rdma-first"],
      description:
        "up-first: ifup at 100 ms, bnxt_re at second_at; rdma-first: bnxt_re at 100 ms (bound at boot), ifup at second_at",
    },
    {
      name: "layout",
      kind: "choice",
      default: "bottom",
      choices: ["bottom", "top"],
      description:
        "bottom: mainline >= ~v6.10, RoCE vectors 0..R-1 below the L2 rings; top: kernels <= ~v6.2, RoCE after the L2 rings (driver.roceBase = l2_rings)",
    },
    rxPps(1000),
    txPps(1000),
    rdmaCqRate,
    rdmaCmdRate,
    {
      name: "roce_vectors",
      kind: "integer",
      default: DEFAULTS.roceVectors,
      min: 2,
      description: "driver.roceVectors: CREQ + NQs, min(64, vCPUs + 1) [assumed: 8 vCPUs]",
    },
    {
      name: "l2_rings",
      kind: "integer",
      default: DEFAULTS.l2Rings,
      min: 1,
      description: "driver.l2Rings: combined channels, one vector each [assumed]",
    },
    {
      name: "guest_alloc_dyn",
      kind: "boolean",
      default: false,
      description:
        "driver.guestAllocDyn: the guest kernel can allocate MSI-X dynamically (matters for ring-count changes only)",
    },
    {
      name: "second_at",
      kind: "duration",
      default: "4s",
      description:
        "when the second step runs (bnxt_re loads, or with order=rdma-first the interface comes up)",
    },
    trafficBefore,
    trafficAfter,
    duration("60s"),
  ],
  build: (v: PresetValues) => {
    const at = ns(v.second_at);
    const first = 100_000_000;
    const timeline: Timeline =
      v.order === "rdma-first"
        ? [
            { at: 0, action: "load" },
            { at: first, action: "rdma-load" },
            { at, action: "up" },
          ]
        : [
            { at: 0, action: "load" },
            { at: first, action: "up" },
            { at, action: "rdma-load" },
          ];
    const driver = driverOf(v);
    const rings = Number(v.l2_rings);
    const numMsi = Number(v.roce_vectors) + rings;
    return {
      name: "bnxt-re-load",
      duration: ns(v.duration),
      params: { device: { tableSize: Math.min(2048, Math.max(64, numMsi)) } },
      driver,
      ...nicLoadOf(v, [at, at + REBUILD], DEFAULTS.txStopPackets),
      timeline,
    };
  },
};

export const BNXT_PRESETS: readonly Preset[] = [BNXT_RE_LOAD];
