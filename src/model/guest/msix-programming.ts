import type { Cpu, Step } from "../cpu.js";
import type { VfioPci } from "../host/vfio-pci.js";
import type { ModelParams } from "../params.js";
import type { VfioMsix } from "../qemu/vfio-msix.js";

/**
 * How a Linux guest programs the (virtual) MSI-X capability; every write traps to QEMU, and the
 * writing vCPU waits until QEMU has handled it (including any host ioctl it makes).
 */
export class GuestMsix {
  /** Entries the guest driver has unmasked, for the restore after a reset. */
  private readonly unmasked = new Set<number>();
  private programmed = 0;

  constructor(
    private readonly qemu: VfioMsix,
    private readonly host: VfioPci,
    private readonly params: ModelParams,
    private readonly cpu: Cpu,
    readonly tableSize: number,
  ) {}

  /**
   * msix_capability_init in the guest: Enable|MaskAll in one write, program and mask `nvec`
   * entries, clear MaskAll.
   */
  *enable(nvec = this.tableSize): Step {
    this.checkVectors([nvec - 1]);
    if (this.cpu.on) this.cpu.log("guest msix_capability_init", { nvec });
    yield this.qemu.writeMsixControl(true, true);
    for (let v = 0; v < nvec; v++) yield this.qemu.writeMsixEntryMask(v, true);
    this.programmed = nvec;
    yield this.qemu.writeMsixControl(true, false);
  }

  /** Unmask vectors in the given order (request_irq / enable_irq in the guest driver). */
  *unmask(vectors: number | readonly number[]): Step {
    const list = typeof vectors === "number" ? [vectors] : vectors;
    this.checkVectors(list);
    for (const v of list) {
      this.unmasked.add(v);
      yield this.qemu.writeMsixEntryMask(v, false);
    }
  }

  /** Mask vectors (free_irq / disable_irq with masking in the guest driver). */
  *mask(vectors: number | readonly number[]): Step {
    const list = typeof vectors === "number" ? [vectors] : vectors;
    this.checkVectors(list);
    for (const v of list) {
      this.unmasked.delete(v);
      yield this.qemu.writeMsixEntryMask(v, true);
    }
  }

  /** pci_msix_shutdown in the guest: mask every programmed entry, clear Enable. */
  *disable(): Step {
    if (this.cpu.on) this.cpu.log("guest pci_msix_shutdown", {});
    for (let v = 0; v < this.programmed; v++) yield this.qemu.writeMsixEntryMask(v, true);
    this.unmasked.clear();
    yield this.qemu.writeMsixControl(false, false);
  }

  /**
   * pci_restore_msix_state in the guest: Enable|MaskAll, rewrite each entry with its mask bit,
   * then clear MaskAll (one release and one use per unmasked vector at QEMU).
   */
  *restore(): Step {
    if (this.cpu.on) this.cpu.log("guest pci_restore_msix_state", { unmasked: this.unmasked.size });
    yield this.qemu.writeMsixControl(true, true);
    for (let v = 0; v < this.programmed; v++) {
      yield this.qemu.writeMsixEntryMask(v, !this.unmasked.has(v));
    }
    yield this.qemu.writeMsixControl(true, false);
  }

  /**
   * A guest-initiated FLR: the config write reaches the host (vfio_exp_config_write ->
   * pci_try_reset_function) and returns when the host is done; the guest then waits
   * (pcie_flr) and restores its saved MSI-X state.
   */
  *flr(): Step {
    if (this.cpu.on) this.cpu.log("guest FLR", {});
    yield this.cpu.spend(this.params.qemu.trap);
    yield this.host.pci_try_reset_function();
    yield this.cpu.spend(this.params.guest.flrWait);
    yield this.restore();
  }

  /** The driver has unmasked entry v and not masked it since (it expects interrupts on v). */
  isUnmasked(v: number): boolean {
    return this.unmasked.has(v);
  }

  /** Forget the driver's state after a device reset that the guest did not ask for. */
  forget(): void {
    this.unmasked.clear();
    this.programmed = 0;
  }

  private checkVectors(list: readonly number[]): void {
    for (const v of list) {
      if (!(Number.isInteger(v) && v >= 0 && v < this.tableSize)) {
        throw new RangeError(`vector ${v} is beyond the MSI-X table (size ${this.tableSize})`);
      }
    }
  }
}
