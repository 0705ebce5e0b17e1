import { z } from "zod";
import { DurationSchema } from "../engine/index.js";

/** NIC packet load on every queue in use. */
export const NicLoadSchema = z
  .object({
    rxPps: z.number().min(0).max(1e8).default(0).describe("received packets per second per queue"),
    txPps: z
      .number()
      .min(0)
      .max(1e8)
      .default(0)
      .describe("transmitted packets per second per queue (0: RX only)"),
    start: DurationSchema.prefault(0).describe("first packet"),
    stop: DurationSchema.optional().describe("no packet at or after this time (default: run end)"),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.stop !== undefined && t.stop <= t.start)
      ctx.addIssue({ code: "custom", path: ["stop"], message: "must be after start" });
  });
export type NicLoadInput = z.input<typeof NicLoadSchema>;
export type NicLoad = z.output<typeof NicLoadSchema>;
