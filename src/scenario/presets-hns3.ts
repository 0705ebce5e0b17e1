import { S } from "../engine/index.js";
import { VF_ROCE_BASE } from "../guest/hns3/layout.js";
import { type Hns3ParamsInput, Hns3ParamsSchema } from "../guest/hns3/params.js";
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
import type { ScenarioInput } from "./schema.js";

const fn = (dflt: "pf" | "vf"): PresetParam => ({
  name: "function",
  kind: "choice",
  default: dflt,
  choices: ["pf", "vf"],
  description:
    "pf: hclge (link polled from firmware); vf: hclgevf (link, resets and its FLR through PF mailbox messages on the misc vector; RoCE vectors at 64; MSI-X re-allocated on FLR)",
});
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

const TX_STOP = Hns3ParamsSchema.parse({}).txStopPackets;

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
  return {
    name,
    duration: ns(v.duration),
    params: { device: { tableSize: tableFor(v) } },
    driver: driverOf(v, extra),
    ...nicLoadOf(v, [from, to], TX_STOP),
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

export const HNS3_PRESETS: readonly Preset[] = [
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
];
