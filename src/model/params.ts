import { z } from "zod";
import {
  type Distribution,
  DistributionSchema,
  DurationSchema,
  parseDistribution,
  type Time,
} from "../engine/index.js";

/**
 * Every latency of the model. No public figures exist for ITS command latency or for host
 * teardown steps (MODEL.md section 3), so each is a parameter with a documented default
 * [assumed]. Control-plane latencies are distributions. Data-path latencies (an LPI taken by a
 * CPU, an eventfd reaching the guest) are fixed durations: that keeps every vector's drop window
 * an exact function of the control-plane trajectory (see src/analysis/windows.ts).
 */
const dist = (spec: z.input<typeof DistributionSchema>, about: string) =>
  DistributionSchema.prefault(spec).describe(about);
const fixed = (spec: string, about: string) => DurationSchema.prefault(spec).describe(about);

/** ITS hardware processing time of one command, from CWRITER to CREADR moving past it. */
const commandLatency = (median: string, about: string) =>
  dist({ lognormal: { median, sigma: 0.3 } }, about);

export const ITS_COMMANDS = ["MAPD", "MAPTI", "DISCARD", "SYNC", "INV", "MAPC", "INVALL"] as const;
export type ItsCommandName = (typeof ITS_COMMANDS)[number];

export const DeviceParamsSchema = z
  .object({
    tableSize: z
      .number()
      .int()
      .min(1)
      .max(2048)
      .default(64)
      .describe("MSI-X table size of the physical function (hwsize)"),
    deviceId: z
      .number()
      .int()
      .min(0)
      .max(0xffff)
      .default(0x10)
      .describe("ITS DeviceID (PCI requester ID) of the function"),
    pbaSurvivesDisable: z
      .boolean()
      .default(false)
      .describe(
        "whether pending bits survive a clear of MSI-X Enable; unspecified by PCI, so a parameter [assumed]",
      ),
  })
  .strict();

export const ItsParamsSchema = z
  .object({
    commandLatency: z
      .object({
        MAPD: commandLatency("1us", "MAPD: write a device table entry"),
        MAPTI: commandLatency("800ns", "MAPTI: write an ITT entry"),
        DISCARD: commandLatency("800ns", "DISCARD: remove an ITT entry, clear its pending LPI"),
        SYNC: commandLatency("400ns", "SYNC: wait for effects at a redistributor"),
        INV: commandLatency("400ns", "INV: reload an LPI's configuration"),
        MAPC: commandLatency("800ns", "MAPC: map a collection"),
        INVALL: commandLatency("2us", "INVALL: reload a collection's configuration"),
      })
      .strict()
      .prefault({}),
    queueSlots: z
      .number()
      .int()
      .min(2)
      .max(1 << 20)
      .default(2048)
      .describe("command queue slots: ITS_CMD_QUEUE_SZ / 32 bytes"),
    pollInterval: fixed("1us", "the driver's CREADR polling step (udelay(1))"),
    timeout: fixed(
      "1s",
      "its_wait_for_range_completion / its_allocate_entry budget (1,000,000 polls)",
    ),
    directLpi: z
      .boolean()
      .default(true)
      .describe(
        "LPI config invalidated through a redistributor register (GICv4.1: on) instead of INV+SYNC",
      ),
    background: z
      .object({
        rate: z
          .number()
          .nonnegative()
          .default(0)
          .describe("commands per second from other devices/CPUs sharing the ITS"),
        command: z.enum(ITS_COMMANDS).default("INV"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const HostParamsSchema = z
  .object({
    lpiTakeLatency: fixed("1us", "a pending, enabled LPI to its handler running on a CPU (fixed)"),
    cost: z
      .object({
        ioctl: dist("5us", "VFIO_DEVICE_SET_IRQS entry and exit: copy-in, igate lock"),
        requestIrq: dist("4us", "request_irq, excluding ITS commands"),
        freeIrq: dist("6us", "free_irq incl. synchronize_irq, excluding ITS commands"),
        irqBypass: dist("3us", "irq_bypass_(un)register_producer with KVM"),
        msiAlloc: dist("2us", "MSI descriptor + irq domain allocation, per vector"),
        msiFree: dist("1us", "irq domain free, per vector"),
        itsDeviceCreate: dist("5us", "its_create_device: ITT and LPI range allocation"),
        capabilityInit: dist("20us", "msix_capability_init fixed part: config writes, table map"),
        msixShutdown: dist("10us", "pci_msix_shutdown fixed part: config writes"),
        entryWrite: dist("300ns", "one MSI-X table entry write (mask bit or message)"),
        directLpiInv: dist("500ns", "GICR_INVLPIR write and GICR_SYNCR spin"),
        flr: dist("100ms", "pcie_flr: function level reset and the wait after it"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const QemuParamsSchema = z
  .object({
    trap: dist("5us", "a trapped guest MSI-X config or table write reaching QEMU's handler"),
    kvmRoute: dist("20us", "adding or updating a KVM MSI route and committing routes"),
    setIrqsPrepare: dist("3us", "QEMU building a VFIO_DEVICE_SET_IRQS fd array"),
    deliverKvm: fixed("2us", "KVM irqfd to the guest (fixed)"),
    deliverQemu: fixed("20us", "QEMU eventfd handler to the guest (fixed)"),
  })
  .strict();

export const GuestParamsSchema = z
  .object({
    flrWait: dist("100ms", "the guest's own wait after writing the FLR bit (pcie_flr)"),
  })
  .strict();

export const ModelParamsSchema = z
  .object({
    device: DeviceParamsSchema.prefault({}),
    its: ItsParamsSchema.prefault({}),
    host: HostParamsSchema.prefault({}),
    qemu: QemuParamsSchema.prefault({}),
    guest: GuestParamsSchema.prefault({}),
  })
  .strict();

export type ModelParamsInput = z.input<typeof ModelParamsSchema>;
type Parsed = z.output<typeof ModelParamsSchema>;

type Dists<T> = { [K in keyof T]: Distribution };

/** Parameters with every distribution built, ready for the components. */
export interface ModelParams {
  device: Parsed["device"];
  its: Omit<Parsed["its"], "commandLatency"> & {
    commandLatency: Record<ItsCommandName, Distribution>;
  };
  host: { lpiTakeLatency: Time; cost: Dists<Parsed["host"]["cost"]> };
  qemu: {
    trap: Distribution;
    kvmRoute: Distribution;
    setIrqsPrepare: Distribution;
    deliverKvm: Time;
    deliverQemu: Time;
  };
  guest: { flrWait: Distribution };
}

function buildAll<T extends Record<string, unknown>>(obj: T, path: string): Dists<T> {
  const out: Record<string, Distribution> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = parseDistribution(v, `${path}.${k}`);
  return out as Dists<T>;
}

/**
 * Validates (zod, throwing ZodError) and builds the parameters; errors from building a
 * distribution name the field under `prefix` (e.g. "params.host.cost.ioctl").
 */
export function resolveModelParams(input: ModelParamsInput = {}, prefix = ""): ModelParams {
  const p = ModelParamsSchema.parse(input);
  const at = (path: string): string => (prefix ? `${prefix}.${path}` : path);
  return {
    device: p.device,
    its: {
      ...p.its,
      commandLatency: buildAll(p.its.commandLatency, at("its.commandLatency")),
    },
    host: {
      lpiTakeLatency: p.host.lpiTakeLatency,
      cost: buildAll(p.host.cost, at("host.cost")),
    },
    qemu: {
      trap: parseDistribution(p.qemu.trap, at("qemu.trap")),
      kvmRoute: parseDistribution(p.qemu.kvmRoute, at("qemu.kvmRoute")),
      setIrqsPrepare: parseDistribution(p.qemu.setIrqsPrepare, at("qemu.setIrqsPrepare")),
      deliverKvm: p.qemu.deliverKvm,
      deliverQemu: p.qemu.deliverQemu,
    },
    guest: { flrWait: parseDistribution(p.guest.flrWait, at("guest.flrWait")) },
  };
}
