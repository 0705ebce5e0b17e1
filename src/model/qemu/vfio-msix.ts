import type { Simulation, Time } from "../../engine/index.js";
import type { Cpu, Step } from "../cpu.js";
import type { EventfdSink, Route } from "../host/genirq.js";
import type { Fd, SetIrqs, VfioPci } from "../host/vfio-pci.js";
import type { ModelParams } from "../params.js";
import { HostRoute } from "../timeline.js";
import { type MsixEmulation, type VectorNotifiers, VIA_KVM } from "./msix-emulation.js";

interface QemuVector {
  /** KVM MSI route (virq), or -1 while there is none. */
  virq: number;
}

/** One host reconfiguration that QEMU started. */
export interface CycleRecord {
  /** "resize": full teardown and rebuild for a new max vector (noresize && resizing). */
  readonly kind: "resize" | "disable";
  readonly start: Time;
  end: Time;
  /** The vector whose unmask started it (-1 for a disable). */
  readonly vector: number;
  /** Vectors in use before the cycle. */
  readonly active: number;
  /** nr_vectors after the cycle. */
  readonly nrVectors: number;
}

/**
 * QEMU's vfio-pci MSI-X handling (hw/vfio/pci.c): the use/release notifiers with the
 * nr_vectors resize rule, enable (including the no-vector enable), disable, resets, and the
 * QEMU side of an interrupt (vfio_msi_interrupt).
 */
export class VfioMsix implements VectorNotifiers, EventfdSink {
  nrVectors = 0;
  msixEnabled = false;
  readonly cycles: CycleRecord[] = [];
  setIrqsCalls = 0;
  /** Times nr_vectors grew (with or without a host teardown). */
  vectorGrowths = 0;
  /**
   * Vectors whose last VFIO_DEVICE_SET_IRQS with an eventfd failed (e.g. -ENOSPC from a full ITT):
   * QEMU only reports "failed to set irqs"; the guest believes the vector works.
   */
  readonly failedVectors = new Set<number>();
  private readonly vectors = new Map<number, QemuVector>();
  private deferRouting = false;
  private routesToCommit = 0;
  private nextVirq = 1;

  constructor(
    private readonly sim: Simulation,
    private readonly emu: MsixEmulation,
    private readonly host: VfioPci,
    private readonly params: ModelParams,
    private readonly cpu: Cpu,
  ) {}

  /** vfio_msix_early_setup: NORESIZE from VFIO_DEVICE_GET_IRQ_INFO. */
  get noresize(): boolean {
    return this.host.noresize;
  }

  // --- trapped guest writes ---

  /** vfio_pci_write_config of the MSI-X control word (Enable, Function Mask). */
  *writeMsixControl(enable: boolean, maskAll: boolean): Step {
    yield this.cpu.spend(this.params.qemu.trap);
    if (this.cpu.on)
      this.cpu.log("msix_write_config", {
        control:
          [enable ? "Enable" : "", maskAll ? "MaskAll" : ""].filter(Boolean).join("|") || "0",
      });
    const was = this.emu.enable;
    yield this.emu.writeControl(enable, maskAll);
    if (!was && enable) yield this.vfio_msix_enable();
    else if (was && !enable) yield this.vfio_msix_disable();
  }

  /** msix_table_mmio_write of a vector's control word (its Mask bit). */
  *writeMsixEntryMask(v: number, masked: boolean): Step {
    if (!(v >= 0 && v < this.emu.tableSize)) {
      throw new RangeError(`vector ${v} is beyond the MSI-X table (size ${this.emu.tableSize})`);
    }
    yield this.cpu.spend(this.params.qemu.trap);
    if (this.cpu.on) this.cpu.log(masked ? "msix mask" : "msix unmask", { vector: v });
    yield this.emu.writeEntryMask(v, masked);
  }

  // --- hw/vfio/pci.c ---

  /** vfio_msix_enable. */
  *vfio_msix_enable(): Step {
    if (this.cpu.on) this.cpu.log("vfio_msix_enable", { nr_vectors: this.nrVectors });
    this.msixEnabled = true;
    this.emu.notifiers = this;
    // msix_set_vector_notifiers calls use now for vectors already unmasked; routes are batched.
    this.deferRouting = true;
    for (let v = 0; v < this.emu.tableSize; v++) if (!this.emu.isMasked(v)) yield this.use(v);
    this.deferRouting = false;
    yield this.commitRoutes();
    if (this.nrVectors > 0) yield this.vfio_enable_vectors();
    else yield this.vfio_enable_msix_no_vec();
  }

  use(v: number): Step {
    return this.vfio_msix_vector_do_use(v);
  }

  release(v: number): Step {
    return this.vfio_msix_vector_release(v);
  }

  /**
   * vfio_msix_vector_do_use: resizing = nr_vectors < nr + 1. Unless routing is deferred, a
   * resize under NORESIZE disables the whole index and enables all nr_vectors again (one full
   * host teardown and rebuild); otherwise one SET_IRQS for this vector.
   */
  *vfio_msix_vector_do_use(nr: number): Step {
    const resizing = this.nrVectors < nr + 1;
    let vec = this.vectors.get(nr);
    const active = this.vectors.size - (vec === undefined ? 0 : 1);
    if (vec === undefined) {
      vec = { virq: -1 };
      this.vectors.set(nr, vec);
      this.emu.setUsed(nr, true);
    }
    if (vec.virq >= 0) {
      yield this.cpu.spend(this.params.qemu.kvmRoute); // vfio_update_kvm_msi_virq
    } else if (this.deferRouting) {
      vec.virq = this.nextVirq++;
      this.routesToCommit++;
    } else {
      yield this.cpu.spend(this.params.qemu.kvmRoute); // add route, commit, connect irqfd
      vec.virq = this.nextVirq++;
    }
    if (resizing) {
      this.nrVectors = nr + 1;
      this.vectorGrowths++;
    }
    if (this.cpu.on)
      this.cpu.log("vfio_msix_vector_do_use", { nr, resizing, nr_vectors: this.nrVectors });
    if (this.deferRouting) return;
    if (this.noresize && resizing) {
      const cycle: CycleRecord = {
        kind: "resize",
        start: this.sim.now,
        end: this.sim.now,
        vector: nr,
        active,
        nrVectors: this.nrVectors,
      };
      this.cycles.push(cycle);
      if (this.cpu.on)
        this.cpu.log("resize cycle start", { nr, active, nr_vectors: this.nrVectors });
      yield this.vfio_device_irq_disable();
      yield this.vfio_enable_vectors();
      cycle.end = this.sim.now;
      if (this.cpu.on) this.cpu.log("resize cycle end", { nr, nr_vectors: this.nrVectors });
    } else {
      yield this.setIrqs({ start: nr, count: 1, fds: [this.fdOf(nr)] });
    }
  }

  /** vfio_msix_vector_release: the host vector stays; its signal goes to QEMU's own eventfd. */
  *vfio_msix_vector_release(nr: number): Step {
    const vec = this.vectors.get(nr);
    if (this.cpu.on) this.cpu.log("vfio_msix_vector_release", { nr });
    if (vec !== undefined && vec.virq >= 0) {
      yield this.setIrqs({ start: nr, count: 1, fds: [HostRoute.QEMU] });
    }
  }

  /**
   * vfio_enable_vectors: one SET_IRQS for all nr_vectors (fd -1 where unused, QEMU's eventfd
   * where masked or without a route, KVM's irqfd otherwise); without NORESIZE, MSI-X is first
   * enabled with no vector so that only these vectors get allocated.
   */
  *vfio_enable_vectors(): Step {
    if (!this.noresize) yield this.vfio_enable_msix_no_vec();
    const fds: Fd[] = [];
    for (let v = 0; v < this.nrVectors; v++) fds.push(this.fdOf(v));
    yield this.setIrqs({ start: 0, count: this.nrVectors, fds });
  }

  /** vfio_enable_msix_no_vec: SET_IRQS of vector 0 with fd -1: MSI-X on, no vector live. */
  *vfio_enable_msix_no_vec(): Step {
    yield this.setIrqs({ start: 0, count: 1, fds: [-1] });
  }

  /** vfio_device_irq_disable(MSIX): SET_IRQS, DATA_NONE, count 0. */
  *vfio_device_irq_disable(): Step {
    yield this.setIrqs({ start: 0, count: 0, fds: null });
  }

  /**
   * vfio_msix_disable: release every vector in use (one SET_IRQS each when routed), unuse it,
   * disable the index at the host, drop the routes; nr_vectors = 0.
   */
  *vfio_msix_disable(): Step {
    const cycle: CycleRecord = {
      kind: "disable",
      start: this.sim.now,
      end: this.sim.now,
      vector: -1,
      active: this.vectors.size,
      nrVectors: 0,
    };
    this.cycles.push(cycle);
    if (this.cpu.on) this.cpu.log("vfio_msix_disable", { nr_vectors: this.nrVectors });
    const inUse = [...this.vectors.keys()].sort((a, b) => a - b);
    for (const v of inUse) {
      yield this.vfio_msix_vector_release(v);
      this.emu.setUsed(v, false);
    }
    yield this.vfio_device_irq_disable();
    if (inUse.length > 0) yield this.cpu.spend(this.params.qemu.kvmRoute);
    this.vectors.clear();
    this.nrVectors = 0;
    this.msixEnabled = false;
    this.emu.notifiers = null;
    cycle.end = this.sim.now;
  }

  /**
   * vfio_pci_reset (system reset, bus reset, hot-plug): vfio_pci_pre_reset disables all
   * interrupts, then VFIO_DEVICE_RESET, then the emulated MSI-X is reset (msix_reset).
   */
  *vfio_pci_reset(): Step {
    if (this.cpu.on) this.cpu.log("vfio_pci_reset", {});
    if (this.msixEnabled) yield this.vfio_msix_disable(); // vfio_pci_pre_reset
    yield this.host.pci_try_reset_function(); // VFIO_DEVICE_RESET
    this.emu.reset();
    if (this.cpu.on) this.cpu.log("vfio_pci_post_reset", {});
  }

  /** The eventfd a vector's host handler should signal. */
  private fdOf(v: number): Fd {
    const vec = this.vectors.get(v);
    if (vec === undefined) return -1;
    if (vec.virq < 0 || this.emu.isMasked(v)) return HostRoute.QEMU;
    return HostRoute.KVM;
  }

  private *setIrqs(req: SetIrqs): Step {
    this.setIrqsCalls++;
    yield this.cpu.spend(this.params.qemu.setIrqsPrepare);
    const r: number = yield this.host.ioctl_set_irqs(req);
    if (req.fds !== null) {
      for (let i = 0; i < req.count; i++) {
        const v = req.start + i;
        if (r !== 0 && req.fds[i] !== -1) this.failedVectors.add(v);
        else this.failedVectors.delete(v);
      }
    }
    if (r !== 0 && this.cpu.on)
      this.cpu.log("vfio: failed to set irqs", { start: req.start, count: req.count, err: r });
  }

  private *commitRoutes(): Step {
    if (this.routesToCommit === 0) return;
    this.routesToCommit = 0;
    yield this.cpu.spend(this.params.qemu.kvmRoute);
  }

  // --- data path ---

  /** The host signalled a vector's eventfd: KVM injects, or QEMU runs vfio_msi_interrupt. */
  signal(vector: number, route: Route, raisedAt: Time): void {
    if (route === HostRoute.KVM) this.emu.deliver(vector, raisedAt, VIA_KVM);
    else this.emu.msix_notify(vector, raisedAt);
  }
}
