import type { Cpu, Step } from "../cpu.js";
import type { MsixFunction } from "../device/msix-function.js";
import type { ModelParams } from "../params.js";
import type { Profile } from "../profiles.js";
import { ENOSPC, type ItsDriver, type ItsDriverDevice, type ItsEvent } from "./its-driver.js";

export const EINVAL = -22;
export const ERANGE = -34;
export const ENOTSUPP = -524;

/** A host interrupt of the device: MSI descriptor + irq descriptor + its ITS event. */
export interface HostIrq {
  /** MSI-X table index. */
  readonly index: number;
  /** Linux irq number (pci_irq_vector). */
  readonly virq: number;
  readonly its: ItsEvent;
  /** Activated in the irq domain hierarchy (ITS mapping + message written). */
  activated: boolean;
  /** The message cached in the descriptor: the EventID, or -1 once deactivation zeroed it. */
  cachedEventId: number;
}

/**
 * The PCI MSI core and the generic MSI domain code it calls (drivers/pci/msi/msi.c, api.c;
 * kernel/irq/msi.c): enabling MSI-X with its vectors, shutting it down, and the dynamic
 * allocation of one vector (pci_msix_alloc_irq_at). The ITS-facing parts go to ItsDriver.
 */
export class PciMsi {
  msixEnabled = false;
  /** Per-device MSI-X domain created (with, after 1396e89e09f0, its one prepare). */
  private domain: { prepared: ItsDriverDevice | null } | null = null;
  private readonly irqs: Array<HostIrq | undefined>;
  private readonly byLpi = new Map<number, HostIrq>();
  private nextVirq = 100;

  constructor(
    private readonly device: MsixFunction,
    private readonly itsDriver: ItsDriver,
    private readonly params: ModelParams,
    private readonly profile: Profile,
    private readonly cpu: Cpu,
  ) {
    this.irqs = new Array(device.tableSize).fill(undefined);
  }

  /** pci_irq_vector: the irq of an allocated table index, or -EINVAL. */
  pci_irq_vector(index: number): HostIrq | typeof EINVAL {
    return this.irqs[index] ?? EINVAL;
  }

  irqOfLpi(lpi: number): HostIrq | undefined {
    return this.byLpi.get(lpi);
  }

  allocatedIrqs(): HostIrq[] {
    return this.irqs.filter((x): x is HostIrq => x !== undefined);
  }

  /**
   * pci_alloc_irq_vectors(dev, min, max, PCI_IRQ_MSIX) -> __pci_enable_msix_range: nvec is
   * clamped to the table size; the per-device MSI-X domain is created if there is none (after
   * 1396e89e09f0 that is where msi_prepare runs, once, with the table size); then
   * msix_capability_init. Returns the number of vectors or a negative errno.
   */
  *pci_alloc_irq_vectors(min: number, max: number): Step<number> {
    const nvec = Math.min(max, this.device.tableSize);
    if (nvec < min) return ERANGE;
    if (this.domain === null) {
      this.domain = { prepared: null };
      if (this.profile.prepare === "per-device") {
        this.domain.prepared = (yield this.itsDriver.its_msi_prepare(
          this.device.deviceId,
          this.device.tableSize,
        )) as ItsDriverDevice;
      }
    }
    return yield this.msix_capability_init(nvec);
  }

  /**
   * msix_capability_init: set Enable|MaskAll, map the table, allocate and (early) activate the
   * interrupts, turn INTx off, mask every table entry, clear MaskAll.
   */
  *msix_capability_init(nvec: number): Step<number> {
    const cost = this.params.host.cost;
    this.device.writeControl(true, true);
    this.msixEnabled = true;
    if (this.cpu.on) this.cpu.log("msix_capability_init", { nvec, control: "Enable|MaskAll" });
    yield this.cpu.spend(cost.capabilityInit);
    const dev: ItsDriverDevice = yield this.prepareForAllocation(nvec);
    for (let index = 0; index < nvec; index++) {
      const r: number = yield this.allocAndActivate(dev, index);
      if (r < 0) {
        // Allocation failed: undo what was set up, as the kernel's error path does.
        yield this.pci_free_irq_vectors();
        return r;
      }
    }
    // msix_mask_all: MASKBIT in every entry of the table.
    for (let v = 0; v < this.device.tableSize; v++) this.device.writeEntryMask(v, true);
    yield this.cpu.spend(cost.entryWrite);
    this.device.writeControl(true, false);
    if (this.cpu.on) this.cpu.log("msix_capability_init done", { nvec, control: "Enable" });
    return nvec;
  }

  /**
   * pci_msix_alloc_irq_at -> msi_domain_alloc_irq_at: one more vector at `index`, only where
   * the MSI parent supports MSI_FLAG_PCI_MSIX_ALLOC_DYN.
   */
  *pci_msix_alloc_irq_at(index: number): Step<HostIrq | number> {
    if (!this.msixEnabled || !this.profile.allocDyn) return ENOTSUPP;
    if (index >= this.device.tableSize) return ERANGE;
    const dev: ItsDriverDevice = yield this.prepareForAllocation(1);
    const r: number = yield this.allocAndActivate(dev, index);
    if (r < 0) return r;
    if (this.cpu.on) this.cpu.log("pci_msix_alloc_irq_at", { index, virq: this.irqs[index]!.virq });
    return this.irqs[index]!;
  }

  /**
   * pci_free_irq_vectors -> pci_disable_msix: pci_msix_shutdown (mask every entry, clear
   * Enable, INTx back on), then free the interrupts; one still activated (it never had a
   * handler) is deactivated first (__msi_domain_free_irqs).
   */
  *pci_free_irq_vectors(): Step {
    const cost = this.params.host.cost;
    const irqs = this.allocatedIrqs();
    for (const irq of irqs) this.device.writeEntryMask(irq.index, true);
    yield this.cpu.spend(cost.msixShutdown);
    this.device.writeControl(false, false);
    this.msixEnabled = false;
    if (this.cpu.on) this.cpu.log("pci_msix_shutdown", { control: "0", intx: "on" });
    for (const irq of irqs) {
      if (irq.activated) yield this.msi_domain_deactivate(irq);
      yield this.cpu.spend(cost.msiFree);
      this.irqs[irq.index] = undefined;
      this.byLpi.delete(irq.its.lpi);
      yield this.itsDriver.its_irq_domain_free(irq.its);
    }
  }

  /** Activation goes parent first: ITS activate (MAPTI), then the message is composed and written. */
  *msi_domain_activate(irq: HostIrq): Step {
    yield this.itsDriver.its_irq_domain_activate(irq.its);
    irq.cachedEventId = irq.its.eventId;
    this.device.writeMessage(irq.index, irq.cachedEventId);
    yield this.cpu.spend(this.params.host.cost.entryWrite);
    irq.activated = true;
  }

  /** Deactivation goes child first: an all-zero message is written, then ITS deactivate (DISCARD). */
  *msi_domain_deactivate(irq: HostIrq): Step {
    irq.cachedEventId = -1;
    this.device.writeMessage(irq.index, -1);
    yield this.cpu.spend(this.params.host.cost.entryWrite);
    yield this.itsDriver.its_irq_domain_deactivate(irq.its);
    irq.activated = false;
  }

  /** get_cached_msi_msg + pci_write_msi_msg, as vfio does before request_irq. */
  *rewriteCachedMessage(irq: HostIrq): Step {
    this.device.writeMessage(irq.index, irq.cachedEventId);
    yield this.cpu.spend(this.params.host.cost.entryWrite);
  }

  /** pci_msix_mask / pci_msix_unmask of the entry. */
  *maskEntry(irq: HostIrq, masked: boolean): Step {
    this.device.writeEntryMask(irq.index, masked);
    yield this.cpu.spend(this.params.host.cost.entryWrite);
  }

  /** msi_prepare per allocation (before 1396e89e09f0), or the once-prepared device after it. */
  private *prepareForAllocation(nvec: number): Step<ItsDriverDevice> {
    if (this.profile.prepare === "per-device") return this.domain!.prepared!;
    return (yield this.itsDriver.its_msi_prepare(this.device.deviceId, nvec)) as ItsDriverDevice;
  }

  /** One descriptor: EventID allocation, irq descriptor, early activation (MSI_FLAG_ACTIVATE_EARLY). */
  private *allocAndActivate(dev: ItsDriverDevice, index: number): Step<number> {
    yield this.cpu.spend(this.params.host.cost.msiAlloc);
    const ev = this.itsDriver.its_alloc_device_irq(dev);
    if (ev === ENOSPC) return ENOSPC;
    const irq: HostIrq = {
      index,
      virq: this.nextVirq++,
      its: ev,
      activated: false,
      cachedEventId: -1,
    };
    this.irqs[index] = irq;
    this.byLpi.set(ev.lpi, irq);
    yield this.msi_domain_activate(irq);
    return 0;
  }
}
