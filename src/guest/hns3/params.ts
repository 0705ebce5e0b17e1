import { z } from "zod";
import type { Distribution } from "../../engine/index.js";
import {
  assumed,
  count,
  dist,
  distributions,
  duration,
  NAPI_POLL_DELAY_RANGE,
} from "../param-kit.js";

/**
 * The guest's HNS3 (hns3 + hclge/hclgevf) and hns_roce driver. Values marked [src] were read in
 * the driver (docs/source-notes-guest.md names the function); vector counts come from firmware
 * on real hardware and every latency marked [assumed] has no public figure: each is a parameter
 * with a plausible range in its description.
 */
export const Hns3ParamsSchema = z
  .object({
    function: z
      .enum(["pf", "vf"])
      .default("pf")
      .describe(
        "physical or virtual function: PF = hclge (link polled from firmware), VF = hclgevf (link and resets through PF mailbox messages on the misc vector)",
      ),
    nicVectors: assumed(
      z
        .number()
        .int()
        .min(2)
        .max(1024)
        .default(17)
        .describe(
          "num_nic_msi: the misc vector 0 plus the queue (TQP) vectors [assumed: from firmware; 2..1024]",
        ),
      {
        kind: "range",
        low: 5,
        high: 32,
        why: "num_nic_msi comes from firmware: a VF with 4 queue pairs (5) to a port with 31 (32; a PF's RoCE vectors follow in the same 64-entry table)",
      },
    ),
    roceVectors: assumed(
      z
        .number()
        .int()
        .min(3)
        .max(1024)
        .default(32)
        .describe(
          "num_roce_msi: abnormal + AEQ + completion (CEQ) vectors [assumed: from firmware; 3..1024]",
        ),
      {
        kind: "range",
        low: 8,
        high: 64,
        why: "num_roce_msi comes from firmware: a few completion EQs (8) to 62 (64); a VF table sized for the default may not hold the high end",
      },
    ),
    roceBase: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "first RoCE vector (base_vector): nicVectors on a PF (hclge_init_roce_base_info); 64 on a VF, 'fixed to 64' (hclgevf_query_vf_resource) [src]",
      ),
    tqpVectors: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "queue vectors in use, 1..tqpVectors: min(vCPUs, queues) (hns3_nic_alloc_vector_data); default nicVectors - 1",
      ),
    msiReinitOnFlr: z
      .boolean()
      .optional()
      .describe(
        "the driver frees and re-allocates MSI-X on FLR (hclgevf_pci_reset since 09e6b30eeb25, v6.2 and stable); default true for a VF, false for a PF",
      ),
    miscCauseRefire: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "misc vector: the device sends a new message for every new cause while one is latched (true), or only when the cause goes from clear to set or the vector is re-enabled with a cause set (false). Not public [assumed]; false is the reading under which one lost misc interrupt can leave a VF's link down",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether the device re-sends the misc message for each new cause while one is latched is not public",
      },
    ),
    napiRearmOnLoss: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "queue vectors: the device re-raises while work is pending after a lost message (true), or stays disabled until the driver re-enables it (false: hns3_irq_handle never re-enables, only the NAPI poll does) [assumed]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "whether a queue vector re-raises after a lost message while work is pending is not public",
      },
    ),
    interruptGap: duration(
      "20us",
      "GL: minimum gap between two interrupts of a queue vector; HNS3_INT_GL_50K = 20 us for TX and RX (hns3_nic_init_coal_cfg) [src]. Adaptive coalescing (on by default) is not modelled",
    ),
    napiPollDelay: assumed(
      duration(
        "5us",
        "from a queue interrupt reaching the guest to the NAPI poll re-enabling the vector [assumed; 1-50 us]",
      ),
      NAPI_POLL_DELAY_RANGE,
    ),
    txStopPackets: assumed(
      count(
        32,
        65_536,
        "packets sent without completions before the TX queue stops: BQL's byte limit (dql) stops it long before the ring (typically 1024 descriptors, 1 per small packet) is full [assumed; 4-1023; 1023 = no BQL]",
      ),
      {
        kind: "range",
        low: 4,
        high: 1023,
        why: "BQL's limit adapts to the link; 1023 is a full ring without BQL",
      },
    ),
    watchdogTimeo: duration(
      "5s",
      "watchdog_timeo = HNS3_TX_TIMEOUT = 5 * HZ (hns3_client_init); dev_watchdog checks every watchdog_timeo [src]",
    ),
    serviceTaskPeriod: duration(
      "1s",
      "hclge/hclgevf periodic service task: round_jiffies_relative(HZ) [src]",
    ),
    linkUpDelay: assumed(
      dist(
        { uniform: ["1s", "2s"] },
        "PF: from MAC enable at interface up to the firmware reporting link up (autonegotiation) [assumed; 0.1-3 s]",
      ),
      {
        kind: "scale",
        low: 0.1,
        high: 1.5,
        why: "autonegotiation: 0.1-0.2 s (fixed speed) to 1.5-3 s (no public figure for HNS3 firmware)",
      },
    ),
    mailboxResponse: assumed(
      dist(
        { lognormal: { median: "50us", sigma: 0.5 } },
        "time for the PF (VF mailbox) or the firmware (RoCE mailbox) to answer a command [assumed; 10 us-10 ms]",
      ),
      {
        kind: "scale",
        low: 0.2,
        high: 200,
        why: "PF or firmware answer time: 10 us (idle) to 10 ms (busy PF, firmware under load); no public figure",
      },
    ),
    vfMailboxTimeout: dist(
      { uniform: ["500ms", "1s"] },
      "VF: hclgevf_get_mbx_resp waits HCLGEVF_MAX_TRY_TIMES (500) x usleep_range(1000, 2000) [src]",
    ),
    roceInitDelay: assumed(
      dist(
        "2ms",
        "hns_roce_init before its first request_irq: cmq init, capability queries, EQ creation by polled mailbox [assumed; 0.1-20 ms]",
      ),
      {
        kind: "scale",
        low: 0.05,
        high: 10,
        why: "hns_roce_init before its first request_irq: 0.1 ms to 20 ms of polled mailbox commands (not measured)",
      },
    ),
    roceMailboxes: assumed(
      count(
        8,
        10_000,
        "event-mode mailbox commands after the AEQ is live (HEM tables, ib_mad's PD/CQ/QP1 at ib_register_device) [assumed]",
      ),
      {
        kind: "range",
        low: 2,
        high: 32,
        why: "event-mode commands after the AEQ is live depend on the kernel's ULPs (not counted)",
      },
    ),
    roceMailboxTimeout: duration("10s", "HNS_ROCE_CMD_TIMEOUT_MSECS = 10000 [src]"),
    resetWait: assumed(
      dist(
        "200ms",
        "hardware function reset, seen done at the next poll of hclge_reset_wait (every 100 ms) or hclgevf_reset_wait (every 20 ms) [assumed; 10 ms-2 s]",
      ),
      {
        kind: "scale",
        low: 0.05,
        high: 10,
        why: "hardware function reset: 10 ms to 2 s, seen at the next poll (not measured)",
      },
    ),
    resetInterval: duration(
      "10s",
      "HCLGE_RESET_INTERVAL: a PF reset request this soon after the last reset is dropped (hclge_reset_event) [src]",
    ),
    resetMaxFailCnt: count(
      5,
      100,
      "HCLGE_RESET_MAX_FAIL_CNT / HCLGEVF_RESET_MAX_FAIL_CNT: retries of a failed reset before HCLGE_STATE_RST_FAIL (6 attempts in all) [src]",
    ),
    miscEventRate: assumed(
      z
        .number()
        .min(0)
        .max(1e6)
        .default(0)
        .describe(
          "other misc-vector causes per second while the driver is loaded (PTP timestamps, causes the handler re-enables after: hclge_misc_irq_handle's PTP and OTHER cases) [assumed; 0-10]",
        ),
      {
        kind: "range",
        low: 0,
        high: 10,
        why: "PTP and other misc causes: none without PTP, ~10/s with PTP timestamping",
      },
    ),
    roceFailIgnoredFrom: count(
      4,
      100,
      "from this reset_fail_cnt on, a RoCE re-init failure no longer fails the reset (HCLGE_RESET_MAX_FAIL_CNT - 1) [src]",
    ),
  })
  .strict();

export type Hns3ParamsInput = z.input<typeof Hns3ParamsSchema>;
export type Hns3Params = z.output<typeof Hns3ParamsSchema>;

/** The driver's latency distributions, built (and checked) once. */
const HNS3_TIMING = [
  "linkUpDelay",
  "mailboxResponse",
  "vfMailboxTimeout",
  "roceInitDelay",
  "resetWait",
] as const;
export type Hns3Timing = Readonly<Record<(typeof HNS3_TIMING)[number], Distribution>>;

export function hns3Timing(p: Hns3Params): Hns3Timing {
  return distributions(p, HNS3_TIMING);
}
