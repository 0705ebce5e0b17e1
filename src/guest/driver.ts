import type { z } from "zod";
import type { Step } from "../model/cpu.js";
import type { QueueLoad } from "../model/device/queue-vector.js";
import type { Machine } from "../model/machine.js";
import type { Gates, VectorGroups } from "../model/traffic/traffic.js";
import type { DriverOutcome } from "./outcome.js";

/**
 * A guest driver stack for one PCI function (a NIC driver and the RDMA driver that shares the
 * function), built from the mechanisms in this folder. The scenario's timeline calls these
 * actions; each runs under the driver's own lock. An action a design does not have is refused
 * when the scenario is checked (`DriverDescription.actions`).
 */
export interface GuestDriver {
  /** Driver probe: MSI-X allocation, the control vector, the NIC's queues requested. */
  load(): Step;
  /** Driver removal: everything freed, MSI-X disabled. */
  unload(): Step;
  /** ifup / ifdown of the netdev. */
  up(): Step;
  down(): Step;
  /** The RDMA (auxiliary) driver loads / unloads. */
  rdmaLoad(): Step;
  rdmaUnload(): Step;
  /** ethtool -L combined <count> while the interface may be up. */
  channels(count: number): Step;
  /** A reset asked for from outside (ethtool --reset): through the driver's own reset path. */
  reset(): void;
  /** A guest-initiated FLR: the PCI core's reset_prepare, the FLR, reset_done. */
  flr(): Step;
  /** QEMU resets the device under the guest: the driver's state is gone. */
  qemuReset(): Step;
  /** The physical link comes up now (the wire), where the design models it. */
  linkUpNow(): void;
  /** Generic traffic gated on the driver ("loaded", "nic", "rdma") follows it. */
  syncGates(gates: Gates): void;
  /** What the run ended in; `timelineBusy`: an action was still running at the end. */
  outcome(timelineBusy: boolean): DriverOutcome;
}

/** Which vector does what, for the table-size check and for vector groups in scenarios. */
export interface DriverLayout {
  /** Vectors the driver allocates (pci_alloc_irq_vectors max). */
  readonly numMsi: number;
  /** Named groups usable as `vectors` in traffic and timeline entries. */
  readonly groups: VectorGroups;
}

export type DriverActionName =
  | "load"
  | "unload"
  | "up"
  | "down"
  | "rdma-load"
  | "rdma-unload"
  | "channels"
  | "reset"
  | "guest-flr"
  | "qemu-reset"
  | "link-up";

/**
 * One NIC + RDMA design: its parameters (a zod object with `name` as discriminator), its layout,
 * the source facts it rests on (shown by `msix-sim presets`), and a factory for a run.
 */
export interface DriverDescription<P extends { name: string } = { name: string }> {
  readonly name: P["name"];
  /** One line: which drivers, which device. */
  readonly summary: string;
  /** The facts the description follows, each naming its source function. */
  readonly sources: readonly string[];
  readonly schema: z.ZodType<P>;
  /** The timeline actions this design supports. */
  readonly actions: readonly DriverActionName[];
  /** The layout; throws an Error naming the `driver.<field>` at fault. */
  layout(p: P): DriverLayout;
  /** Checks what only building reveals (distributions); throws naming the field. */
  check(p: P): void;
  create(m: Machine, p: P, load: QueueLoad | null): GuestDriver;
}
