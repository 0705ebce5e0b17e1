import { z } from "zod";
import { DistributionSchema, DurationSchema } from "../engine/index.js";
import { LINK_MODES } from "./link-monitor.js";

const dist = (spec: z.input<typeof DistributionSchema>, about: string) =>
  DistributionSchema.prefault(spec).describe(about);

/**
 * The guest's HNS3 + hns_roce driver behaviour (MODEL.md section 6; docs/source-notes-qemu-guest.md).
 * Vector counts come from firmware on real hardware: the defaults are assumptions.
 */
export const Hns3ParamsSchema = z
  .object({
    function: z
      .enum(["pf", "vf"])
      .default("pf")
      .describe("physical or virtual function: the FLR rebuild order and MSI re-init differ"),
    nicVectors: z
      .number()
      .int()
      .min(2)
      .max(1024)
      .default(17)
      .describe(
        "num_nic_msi: the misc vector 0 plus the queue (TQP) vectors [assumed: firmware-provided]",
      ),
    roceVectors: z
      .number()
      .int()
      .min(3)
      .max(1024)
      .default(32)
      .describe(
        "num_roce_msi: abnormal + AEQ + completion (CEQ) vectors [assumed: firmware-provided]",
      ),
    roceBase: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("first RoCE vector (base_vector); default nicVectors (PF layout). A VF uses 64"),
    tqpVectors: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("queue vectors unmasked at interface up: 1..tqpVectors; default nicVectors - 1"),
    msiReinitOnFlr: z
      .boolean()
      .optional()
      .describe(
        "the driver frees and re-allocates MSI-X on FLR (hclgevf since Dec 2022); default: true for a VF",
      ),
    linkMode: z
      .enum(LINK_MODES)
      .optional()
      .describe("how the driver learns link state; default poll (PF) or push (VF)"),
    linkPollPeriod: DurationSchema.prefault("1s").describe(
      "service task period (round_jiffies_relative(HZ))",
    ),
    linkUpDelay: dist(
      { uniform: ["1s", "2s"] },
      "from interface up to the firmware reporting link up (autonegotiation) [assumed]",
    ),
    mailboxResponse: dist(
      { lognormal: { median: "50us", sigma: 0.5 } },
      "firmware/PF time to answer a mailbox command [assumed]",
    ),
    roceMailboxes: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(8)
      .describe("event-mode mailbox commands during RoCE init (HEM, setup_hca, ...) [assumed]"),
    roceMailboxTimeout: DurationSchema.prefault("10s").describe("HNS_ROCE_CMD_TIMEOUT_MSECS"),
    vfInitMailboxes: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(4)
      .describe("VF: synchronous requests to the PF while re-initialising after an FLR [assumed]"),
    vfMailboxTimeout: DurationSchema.prefault("1s").describe(
      "VF: hclgevf_get_mbx_resp waits up to 500 x 1-2 ms",
    ),
    txTimeout: DurationSchema.prefault("5s").describe(
      "netdev watchdog: a stalled queue (lost interrupt) triggers hns3_tx_timeout and a reset",
    ),
    resetWait: dist("200ms", "hardware reset and hclge_reset_wait [assumed]"),
    resetRetryDelay: dist(
      "1s",
      "delay before the reset task retries after a failed attempt [assumed]",
    ),
    resetMaxFailCnt: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(5)
      .describe(
        "HCLGE_RESET_MAX_FAIL_CNT: retries after failed attempts before HCLGE_STATE_RST_FAIL",
      ),
    roceFailIgnoredFrom: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(4)
      .describe("from this reset_fail_cnt on, a RoCE re-init failure no longer fails the reset"),
  })
  .strict();

export type Hns3ParamsInput = z.input<typeof Hns3ParamsSchema>;
export type Hns3Params = z.output<typeof Hns3ParamsSchema>;
