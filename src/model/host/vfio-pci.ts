import type { Time } from "../../engine/index.js";
import type { Cpu, Step } from "../cpu.js";
import type { MsixFunction } from "../device/msix-function.js";
import type { ModelParams } from "../params.js";
import type { Profile } from "../profiles.js";
import type { EventfdSink, Genirq, Route } from "./genirq.js";
import { EINVAL, type HostIrq, type PciMsi } from "./pci-msi.js";

/** An eventfd passed in VFIO_DEVICE_SET_IRQS: KVM's irqfd, QEMU's own, or -1 (none). */
export type Fd = Route | -1;

/** The VFIO_DEVICE_SET_IRQS request for the MSI-X index. */
export interface SetIrqs {
  start: number;
  count: number;
  /** DATA_EVENTFD: one fd per vector; null: DATA_NONE. */
  fds: Fd[] | null;
}

interface VectorCtx {
  irq: HostIrq;
  route: Route;
}

/**
 * vfio-pci's MSI-X handling (drivers/vfio/pci/vfio_pci_intrs.c, vfio_pci_core.c): the
 * SET_IRQS ioctl, enable/disable of the index, and per-vector signal setup, with the dynamic
 * allocation path when the MSI parent supports it (has_dyn_msix).
 */
export class VfioPci implements EventfdSink {
  /** pci_msix_can_alloc_dyn at device open. */
  readonly hasDynMsix: boolean;
  private msixActive = false;
  private readonly ctx = new Map<number, VectorCtx>();
  /** Where vfio_msihandler's eventfd_signal lands (QEMU or KVM). */
  eventfdSink: EventfdSink | null = null;

  constructor(
    private readonly device: MsixFunction,
    private readonly pciMsi: PciMsi,
    private readonly genirq: Genirq,
    private readonly params: ModelParams,
    profile: Profile,
    private readonly cpu: Cpu,
  ) {
    this.hasDynMsix = profile.allocDyn;
  }

  /** vfio_pci_ioctl_get_irq_info: NORESIZE is reported for MSI-X unless has_dyn_msix. */
  get noresize(): boolean {
    return !this.hasDynMsix;
  }

  /** VFIO_DEVICE_SET_IRQS for VFIO_PCI_MSIX_IRQ_INDEX (vfio_pci_set_msi_trigger). */
  *ioctl_set_irqs(req: SetIrqs): Step<number> {
    const r: number = yield this.vfio_pci_set_msi_trigger(req);
    if (this.cpu.on) this.cpu.log("VFIO_DEVICE_SET_IRQS returns", { ret: r });
    return r;
  }

  private *vfio_pci_set_msi_trigger(req: SetIrqs): Step<number> {
    if (req.start < 0 || req.start + req.count > this.device.tableSize) return EINVAL;
    yield this.cpu.spend(this.params.host.cost.ioctl);
    if (this.cpu.on)
      this.cpu.log("VFIO_DEVICE_SET_IRQS", {
        start: req.start,
        count: req.count,
        data: req.fds === null ? "NONE" : "EVENTFD",
      });
    if (req.fds === null) {
      if (req.count === 0 && this.msixActive) yield this.vfio_msi_disable();
      return 0;
    }
    if (this.msixActive) return yield this.vfio_msi_set_block(req.start, req.count, req.fds);
    const r: number = yield this.vfio_msi_enable(req.start + req.count);
    if (r !== 0) return r;
    const b: number = yield this.vfio_msi_set_block(req.start, req.count, req.fds);
    if (b !== 0) yield this.vfio_msi_disable();
    return b;
  }

  /** vfio_msi_enable: pci_alloc_irq_vectors(pdev, 1, nvec, PCI_IRQ_MSIX). */
  *vfio_msi_enable(nvec: number): Step<number> {
    if (this.cpu.on) this.cpu.log("vfio_msi_enable", { nvec });
    const got: number = yield this.pciMsi.pci_alloc_irq_vectors(1, nvec);
    if (got < 0) return got;
    if (got < nvec) {
      yield this.pciMsi.pci_free_irq_vectors();
      return got;
    }
    this.msixActive = true;
    return 0;
  }

  /** vfio_msi_disable: every vector's signal off, in ascending order, then pci_free_irq_vectors. */
  *vfio_msi_disable(): Step {
    if (this.cpu.on) this.cpu.log("vfio_msi_disable", { vectors: this.ctx.size });
    const indices = [...this.ctx.keys()].sort((a, b) => a - b);
    for (const v of indices) yield this.vfio_msi_set_vector_signal(v, -1);
    yield this.pciMsi.pci_free_irq_vectors();
    this.msixActive = false;
  }

  /** vfio_msi_set_block: stops at the first error and undoes this block's earlier vectors. */
  *vfio_msi_set_block(start: number, count: number, fds: Fd[]): Step<number> {
    for (let i = 0; i < count; i++) {
      const r: number = yield this.vfio_msi_set_vector_signal(start + i, fds[i] ?? -1);
      if (r !== 0) {
        for (let j = 0; j < i; j++) yield this.vfio_msi_set_vector_signal(start + j, -1);
        return r;
      }
    }
    return 0;
  }

  /**
   * vfio_msi_set_vector_signal: tear down an existing handler (bypass unregister, free_irq:
   * the interrupt stays allocated); for fd >= 0, allocate the vector if needed, rewrite the
   * cached message, request_irq, register the bypass producer.
   */
  *vfio_msi_set_vector_signal(v: number, fd: Fd): Step<number> {
    const cost = this.params.host.cost;
    const old = this.ctx.get(v);
    if (old !== undefined) {
      yield this.cpu.spend(cost.irqBypass); // irq_bypass_unregister_producer
      yield this.genirq.free_irq(old.irq);
      this.ctx.delete(v);
    }
    if (fd === -1) return 0;
    const irq: HostIrq | number = yield this.vfio_msi_alloc_irq(v);
    if (typeof irq === "number") {
      if (this.cpu.on) this.cpu.log("vfio_msi_set_vector_signal failed", { vector: v, err: irq });
      return irq;
    }
    yield this.pciMsi.rewriteCachedMessage(irq);
    yield this.genirq.request_irq(irq, fd);
    yield this.cpu.spend(cost.irqBypass); // irq_bypass_register_producer
    this.ctx.set(v, { irq, route: fd });
    return 0;
  }

  /** vfio_msi_alloc_irq: the allocated irq, or pci_msix_alloc_irq_at when has_dyn_msix. */
  *vfio_msi_alloc_irq(v: number): Step<HostIrq | number> {
    const irq = this.pciMsi.pci_irq_vector(v);
    if (irq !== EINVAL) return irq;
    if (!this.hasDynMsix) return EINVAL;
    return yield this.pciMsi.pci_msix_alloc_irq_at(v);
  }

  /** Host side of a guest-initiated FLR: vfio_exp_config_write -> pci_try_reset_function. */
  *pci_try_reset_function(): Step {
    if (this.cpu.on) this.cpu.log("pci_try_reset_function", {});
    // pci_dev_save_and_disable, then pcie_flr: the function's MSI-X state is reset.
    const saved = this.saveMsixState();
    this.device.reset();
    yield this.cpu.spend(this.params.host.cost.flr);
    // pci_dev_restore -> pci_restore_msix_state: Enable|MaskAll, table, then the control word.
    if (saved.enabled) {
      this.device.writeControl(true, true);
      for (const irq of this.pciMsi.allocatedIrqs()) {
        this.device.writeMessage(irq.index, irq.cachedEventId);
        this.device.writeEntryMask(irq.index, saved.masks[irq.index] === 1);
        yield this.cpu.spend(this.params.host.cost.entryWrite);
      }
      this.device.writeControl(true, false);
    }
    if (this.cpu.on) this.cpu.log("pci_restore_msix_state", { enabled: saved.enabled });
  }

  /** vfio_msihandler: signal the vector's eventfd. */
  signal(vector: number, route: Route, raisedAt: Time): void {
    this.eventfdSink!.signal(vector, route, raisedAt);
  }

  private saveMsixState(): { enabled: boolean; masks: Uint8Array } {
    return { enabled: this.device.enable, masks: this.device.entryMask.slice() };
  }
}
