import { z } from "zod";
import { DistributionSchema, DurationSchema } from "../engine/index.js";
import { DriverSchema } from "../guest/drivers.js";
import { NicLoadSchema } from "../guest/nic-load.js";
import { ModelParamsSchema } from "../model/params.js";
import { PROFILE_NAMES } from "../model/profiles.js";
import { TrafficSchema, VectorItem } from "../model/traffic/traffic.js";

export const ACTIONS = [
  "msix-enable",
  "msix-disable",
  "unmask",
  "mask",
  "load",
  "unload",
  "up",
  "down",
  "rdma-load",
  "rdma-unload",
  "channels",
  "reset",
  "guest-flr",
  "qemu-reset",
  "link-up",
  // HNS3's names for the same actions
  "hns3-load",
  "hns3-unload",
  "hns3-up",
  "hns3-down",
  "roce-load",
  "roce-unload",
] as const;
export type ActionName = (typeof ACTIONS)[number];

export const TimelineEntrySchema = z
  .object({
    at: DistributionSchema.describe(
      'when: "2s", or a distribution such as {"uniform": ["1s", "3s"]}',
    ),
    action: z
      .enum(ACTIONS)
      .describe(
        "msix-enable/-disable, unmask/mask (with vectors), load, unload, up, down, rdma-load, rdma-unload, channels (with count: ethtool -L combined), reset, guest-flr, qemu-reset, link-up; hns3-load/-unload/-up/-down and roce-load/-unload are HNS3's names for load/unload/up/down/rdma-load/rdma-unload",
      ),
    vectors: z
      .union([VectorItem, z.array(VectorItem).min(1)])
      .optional()
      .describe("for unmask and mask"),
    nvec: z.number().int().min(1).optional().describe("for msix-enable: entries to program"),
    count: z
      .number()
      .int()
      .min(1)
      .max(2048)
      .optional()
      .describe("for channels: the new number of combined channels"),
  })
  .strict()
  .superRefine((e, ctx) => {
    if ((e.action === "unmask" || e.action === "mask") && e.vectors === undefined) {
      ctx.addIssue({ code: "custom", path: ["vectors"], message: `required for ${e.action}` });
    }
    if (e.action === "channels" && e.count === undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "required for channels" });
    }
  });

/**
 * A scenario: the machine (model parameters and behaviour profile), the guest driver, the
 * traffic and a timeline of actions. Everything but `duration` has a default.
 */
export const ScenarioSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    profile: z.enum(PROFILE_NAMES).default("legacy").describe("host/QEMU behaviour profile"),
    seed: z
      .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1)])
      .default(1)
      .describe("run seed; every random stream derives from (seed, stream name)"),
    duration: DurationSchema.describe("simulated time of the run"),
    params: ModelParamsSchema.prefault({}).describe("device, ITS, host, QEMU and guest latencies"),
    driver: DriverSchema.prefault({}).describe(
      "the guest driver design (name: hns3 by default) and its parameters",
    ),
    nic: NicLoadSchema.optional().describe(
      "packets on every NIC queue in use: the queue interrupts follow from them, the coalescing gap and NAPI",
    ),
    traffic: z
      .array(TrafficSchema)
      .default([])
      .describe("other interrupt sources, raised straight on vectors"),
    timeline: z
      .array(TimelineEntrySchema)
      .default([])
      .describe("actions, in the order of their times"),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.duration <= 0)
      ctx.addIssue({ code: "custom", path: ["duration"], message: "must be > 0" });
  });

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;

/** JSON Schema of scenario files (for editors), describing the input form. */
export function scenarioJsonSchema(): object {
  return z.toJSONSchema(ScenarioSchema, { io: "input", unrepresentable: "any" });
}
