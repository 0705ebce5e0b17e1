import type { Cpu, Step } from "../../model/cpu.js";
import type { Machine } from "../../model/machine.js";
import type { IceIrqTracker } from "./irq-tracker.js";

/**
 * The Flow Director control VSI (ICE_VSI_CTRL): one q_vector whose interrupt reports FD
 * programming status (ice_msix_clean_ctrl_vsi). ice_init_features -> ice_init_fdir sets it up
 * at probe (ice_ctrl_vsi_setup allocates its vector from the tracker, ice_vsi_open_ctrl ->
 * ice_vsi_req_irq_msix requests it), so its MSI-X entry is unmasked at probe, before the LAN
 * queues: the first vector above the OICR that QEMU sees in use. No traffic is modelled on it;
 * it is a live vector that a host teardown can drop interrupts on.
 */
export class IceFdir {
  /** The tracker index of its q_vector, or -1 when not allocated. */
  vector = -1;
  /** Its IRQ is requested (the MSI-X entry unmasked). */
  requested = false;

  constructor(
    private readonly m: Machine,
    private readonly tracker: () => IceIrqTracker,
    private readonly cpu: Cpu,
  ) {}

  /** ice_init_fdir: ice_ctrl_vsi_setup (vector allocated) + ice_vsi_open_ctrl (requested). */
  *init(): Step {
    if (this.vector < 0) this.vector = this.tracker().alloc();
    if (this.vector < 0) return; // no entry left: FD stays off
    if (this.cpu.on) this.cpu.log("ice_init_fdir", { vector: this.vector });
    yield this.open();
  }

  /** ice_vsi_close of the control VSI (ice_dis_vsi in a reset, ice_deinit_fdir): free_irq. */
  *close(): Step {
    if (!this.requested) return;
    this.requested = false;
    yield this.m.guest.mask(this.vector);
  }

  /** ice_vsi_rebuild_by_type(ICE_VSI_CTRL): q_vector freed and re-allocated, then reopened. */
  *rebuild(): Step {
    if (this.vector < 0) return;
    yield this.close();
    this.tracker().free(this.vector);
    this.vector = this.tracker().alloc();
    if (this.vector >= 0) yield this.open();
  }

  /** ice_deinit_fdir: closed and its tracker entry freed. */
  *deinit(): Step {
    yield this.close();
    if (this.vector >= 0) this.tracker().free(this.vector);
    this.vector = -1;
  }

  /** The driver's state is gone (a QEMU reset). */
  forget(): void {
    this.vector = -1;
    this.requested = false;
  }

  /** ice_vsi_open_ctrl -> ice_vsi_req_irq_msix: request_irq unmasks the entry. */
  private *open(): Step {
    if (this.requested) return;
    yield this.m.guest.unmask(this.vector);
    this.requested = true;
  }
}
