import type { Simulation, Time } from "../../engine/index.js";
import type { InterruptAccounting } from "../accounting.js";
import type { Cpu, Step } from "../cpu.js";
import type { LpiHandler } from "../its/redistributor.js";
import { Cause } from "../outcomes.js";
import type { ModelParams } from "../params.js";
import { HostRoute, type Timeline, Track } from "../timeline.js";
import type { ItsDriver } from "./its-driver.js";
import type { HostIrq, PciMsi } from "./pci-msi.js";

/** An installed handler: vfio_msihandler signalling the vector's eventfd, KVM's or QEMU's. */
export type Route = typeof HostRoute.KVM | typeof HostRoute.QEMU;

/** Where vfio_msihandler's eventfd_signal goes. */
export interface EventfdSink {
  signal(vector: number, route: Route, raisedAt: Time): void;
}

/**
 * genirq for the device's interrupts (kernel/irq/manage.c, chip.c) with the PCI/MSI-X chip and
 * its ITS parent (MSI_FLAG_PCI_MSI_MASK_PARENT): request_irq activates if needed and starts the
 * line up (LPI enable, then entry unmask); free_irq unlinks the handler, shuts the line down
 * (entry mask, then LPI disable), waits for handlers, then deactivates (DISCARD).
 */
export class Genirq implements LpiHandler {
  private readonly action = new Map<number, Route>();
  eventfds: EventfdSink | null = null;

  constructor(
    private readonly sim: Simulation,
    private readonly pciMsi: PciMsi,
    private readonly itsDriver: ItsDriver,
    private readonly params: ModelParams,
    private readonly acct: InterruptAccounting,
    private readonly timeline: Timeline,
    private readonly cpu: Cpu,
  ) {}

  /** request_irq -> __setup_irq: irq_activate, install the action, irq_startup. */
  *request_irq(irq: HostIrq, route: Route): Step {
    yield this.cpu.spend(this.params.host.cost.requestIrq);
    if (!irq.activated) yield this.pciMsi.msi_domain_activate(irq);
    this.setAction(irq, route);
    if (this.cpu.on)
      this.cpu.log("request_irq", { virq: irq.virq, index: irq.index, to: routeName(route) });
    // irq_startup -> pci_irq_startup_msix: unmask the parent (ITS LPI) first, then the entry.
    yield this.itsDriver.lpi_update_config(irq.its, true, "irq_startup");
    yield this.pciMsi.maskEntry(irq, false);
  }

  /** __free_irq of the last action: unlink, irq_shutdown, synchronize_irq, deactivate. */
  *free_irq(irq: HostIrq): Step {
    this.setAction(irq, null);
    if (this.cpu.on) this.cpu.log("free_irq", { virq: irq.virq, index: irq.index });
    // irq_shutdown -> pci_irq_shutdown_msix: mask the entry, then the parent.
    yield this.pciMsi.maskEntry(irq, true);
    yield this.itsDriver.lpi_update_config(irq.its, false, "irq_shutdown");
    yield this.cpu.spend(this.params.host.cost.freeIrq);
    yield this.pciMsi.msi_domain_deactivate(irq);
  }

  /** The CPU takes an LPI: handle_fasteoi_irq runs the action, if there is one. */
  handleLpi(lpi: number, vector: number, raisedAt: Time): void {
    const irq = this.pciMsi.irqOfLpi(lpi);
    const route = irq === undefined ? undefined : this.action.get(irq.virq);
    if (route === undefined) {
      this.acct.drop(vector, Cause.NO_HOST_HANDLER, raisedAt, this.sim.now);
      return;
    }
    if (irq!.index !== vector)
      throw new Error(
        `model invariant: LPI ${lpi} of vector ${irq!.index} carried vector ${vector}`,
      );
    this.eventfds!.signal(vector, route, raisedAt);
  }

  private setAction(irq: HostIrq, route: Route | null): void {
    if (route === null) this.action.delete(irq.virq);
    else this.action.set(irq.virq, route);
    this.timeline.set(Track.HOST, irq.its.lpi, this.sim.now, route ?? HostRoute.NONE);
  }
}

export function routeName(route: number): string {
  return route === HostRoute.KVM ? "kvm-irqfd" : route === HostRoute.QEMU ? "qemu-eventfd" : "none";
}
