import { z } from "zod";
import {
  type Distribution,
  DistributionSchema,
  DurationSchema,
  parseDistribution,
  type Time,
} from "../engine/index.js";
import { assumed } from "./assumption.js";

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

/** A control-plane cost with no public figure: plausible from a quarter to four times it. */
const cost = (spec: z.input<typeof DistributionSchema>, about: string, group: string) =>
  assumed(dist(spec, about), { kind: "scale", low: 0.25, high: 4, why: COST_WHY, group });
const COST_WHY =
  "no public figure (MODEL.md section 3): the default is an estimate for an idle Arm server core; x0.25..x4 spans a fast core to a loaded or nested host";

/** ITS hardware processing time of one command, from CWRITER to CREADR moving past it. */
const commandLatency = (median: string, about: string) =>
  assumed(dist({ lognormal: { median, sigma: 0.3 } }, about), {
    kind: "scale",
    low: 0.25,
    high: 4,
    why: "ITS command processing time is not published for any GIC implementation (MODEL.md section 3); x0.25..x4 of the median",
    group: "its.commandLatency",
  });

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
    pbaSurvivesDisable: assumed(
      z
        .boolean()
        .default(false)
        .describe(
          "whether pending bits survive a clear of MSI-X Enable; unspecified by PCI, so a parameter [assumed]",
        ),
      {
        kind: "choice",
        values: [true],
        why: "PCI leaves pending bits across an MSI-X Enable clear unspecified; the device's behaviour is not public",
      },
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
    directLpi: assumed(
      z
        .boolean()
        .default(true)
        .describe(
          "LPI config invalidated through a redistributor register (GICv4.1: on) instead of INV+SYNC",
        ),
      {
        kind: "choice",
        values: [false],
        why: "a GICv4.1 host such as HIP09 has GICR_INVLPIR; a GICv3 or GICv4.0 host (HIP08) uses INV + SYNC",
      },
    ),
    background: z
      .object({
        rate: assumed(
          z
            .number()
            .nonnegative()
            .default(0)
            .describe("commands per second from other devices/CPUs sharing the ITS"),
          {
            kind: "range",
            low: 0,
            high: 20_000,
            why: "other devices' ITS commands: none on an otherwise idle host; 20,000/s is a busy host with many VMs reconfiguring interrupts (no public figure)",
          },
        ),
        command: z.enum(ITS_COMMANDS).default("INV"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const HostParamsSchema = z
  .object({
    lpiTakeLatency: assumed(
      fixed("1us", "a pending, enabled LPI to its handler running on a CPU (fixed)"),
      {
        kind: "duration",
        low: "200ns",
        high: "10us",
        why: "sub-microsecond for an idle CPU with interrupts on; up to ~10 us when it sits in an irq-off section (no public figure)",
      },
    ),
    cost: z
      .object({
        ioctl: cost("5us", "VFIO_DEVICE_SET_IRQS entry and exit: copy-in, igate lock", "host.cost"),
        requestIrq: cost("4us", "request_irq, excluding ITS commands", "host.cost"),
        freeIrq: cost("6us", "free_irq incl. synchronize_irq, excluding ITS commands", "host.cost"),
        irqBypass: cost("3us", "irq_bypass_(un)register_producer with KVM", "host.cost"),
        msiAlloc: cost("2us", "MSI descriptor + irq domain allocation, per vector", "host.cost"),
        msiFree: cost("1us", "irq domain free, per vector", "host.cost"),
        itsDeviceCreate: cost(
          "5us",
          "its_create_device: ITT and LPI range allocation",
          "host.cost",
        ),
        capabilityInit: cost(
          "20us",
          "msix_capability_init fixed part: config writes, table map",
          "host.cost",
        ),
        msixShutdown: cost("10us", "pci_msix_shutdown fixed part: config writes", "host.cost"),
        entryWrite: cost("300ns", "one MSI-X table entry write (mask bit or message)", "host.cost"),
        directLpiInv: cost("500ns", "GICR_INVLPIR write and GICR_SYNCR spin", "host.cost"),
        flr: assumed(dist("100ms", "pcie_flr: function level reset and the wait after it"), {
          kind: "scale",
          low: 1,
          high: 5,
          why: "100 ms is the minimum wait after an FLR (PCIe; pcie_flr's msleep(100)); a device slow to come back answers CRS for longer",
        }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const QemuParamsSchema = z
  .object({
    trap: cost(
      "5us",
      "a trapped guest MSI-X config or table write reaching QEMU's handler",
      "qemu.cost",
    ),
    kvmRoute: cost("20us", "adding or updating a KVM MSI route and committing routes", "qemu.cost"),
    setIrqsPrepare: cost("3us", "QEMU building a VFIO_DEVICE_SET_IRQS fd array", "qemu.cost"),
    deliverKvm: assumed(fixed("2us", "KVM irqfd to the guest (fixed)"), {
      kind: "duration",
      low: "500ns",
      high: "10us",
      why: "irqfd injection into a running vCPU is ~1 us; a halted vCPU must be woken (no public figure for this host)",
    }),
    deliverQemu: assumed(fixed("20us", "QEMU eventfd handler to the guest (fixed)"), {
      kind: "duration",
      low: "5us",
      high: "100us",
      why: "QEMU's main loop wakes on the eventfd and injects; a busy main loop delays it (no public figure)",
    }),
  })
  .strict();

export const GuestParamsSchema = z
  .object({
    flrWait: assumed(dist("100ms", "the guest's own wait after writing the FLR bit (pcie_flr)"), {
      kind: "scale",
      low: 1,
      high: 5,
      why: "100 ms is the PCIe minimum (pcie_flr's msleep(100)); the guest waits longer while the device answers CRS",
    }),
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
