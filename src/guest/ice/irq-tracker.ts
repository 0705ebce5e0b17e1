/**
 * ice's interrupt tracker (ice_irq.c, pf->irq_tracker: an xarray of num_entries = msix.max
 * slots). ice_get_irq_res takes the lowest free index (xa_alloc over [0, num_entries - 1]) and
 * ice_free_irq gives it back, so the MSI-X index a user gets depends on what was allocated and
 * freed before it: the OICR gets 0 at probe, the PF VSI's q_vectors the next ones, the Flow
 * Director and irdma whatever is lowest and free when they ask. Whether the index is backed by a
 * static or a dynamic (pci_msix_alloc_irq_at) MSI-X entry does not change it.
 */
export class IceIrqTracker {
  private readonly used: boolean[];

  constructor(readonly numEntries: number) {
    this.used = new Array<boolean>(numEntries).fill(false);
  }

  /** ice_get_irq_res: the lowest free index, or -1 when the tracker is full (-ENOMEM). */
  alloc(): number {
    const i = this.used.indexOf(false);
    if (i >= 0) this.used[i] = true;
    return i;
  }

  /** A fixed index (the what-if rdmaBase); false when it is taken or out of range. */
  allocAt(index: number): boolean {
    if (!(index >= 0 && index < this.numEntries) || this.used[index]) return false;
    this.used[index] = true;
    return true;
  }

  /** ice_free_irq: the index goes back to the tracker. */
  free(index: number): void {
    if (index >= 0 && index < this.numEntries) this.used[index] = false;
  }

  isUsed(index: number): boolean {
    return this.used[index] === true;
  }
}
