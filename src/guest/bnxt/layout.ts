import type { BnxtParams } from "./params.js";

/**
 * Which MSI-X vector does what (docs/source-notes-bnxt.md). Mainline since ~v6.10: bnxt_en
 * allocates the RoCE vectors and the L2 rings together at probe (bnxt_init_int_mode: ulp_msix
 * + cp_nr_rings), RoCE first: bnxt_fill_msix_vecs hands bnxt_re entries 0..R-1 (entry 0 is the
 * CREQ, BNXT_RE_AEQ_IDX; 1..R-1 the NQs), and L2 ring i sits at map_idx = ulp_msix + i
 * (bnxt_alloc_cp_rings). Ring 0 also carries the firmware's async events
 * (bnxt_hwrm_set_async_event_cr on i == 0 in bnxt_hwrm_ring_alloc).
 */
export interface BnxtLayout {
  /** bnxt_re's CREQ: RCFW command completions and RoCE async events (BNXT_RE_AEQ_IDX). */
  readonly creq: number;
  /** bnxt_re's notification queues, enabled in ascending order (bnxt_re_init_res). */
  readonly nqs: readonly number[];
  /** Every L2 ring's vector, ring 0 first: ethtool -L can grow into all of them. */
  readonly l2Max: readonly number[];
  /** L2 rings in use at probe. */
  readonly l2Rings: number;
  /** The first RoCE vector (0 in mainline). */
  readonly roceBase: number;
  /** The first L2 vector: ring 0, which also carries the firmware async events. */
  readonly l2Base: number;
  /** num_msi: vectors of the largest configuration (table entries the function needs). */
  readonly numMsi: number;
}

/** The layout; throws an Error naming the `driver.<field>` at fault. */
export function bnxtLayout(p: BnxtParams): BnxtLayout {
  const r = p.roceVectors;
  const cMax = p.l2RingsMax ?? p.l2Rings;
  if (p.l2Rings > cMax) {
    throw new Error(
      `driver.l2RingsMax: ${cMax} is fewer than the ${p.l2Rings} L2 rings in use at probe (driver.l2Rings)`,
    );
  }
  const top = p.roceBase > 0;
  const roceBase = p.roceBase;
  // Older kernels: L2 rings from 0, the RoCE block after them; it must not overlap them.
  if (top && roceBase < cMax) {
    throw new Error(
      `driver.roceBase: the RoCE vectors ${roceBase}..${roceBase + r - 1} overlap the L2 rings 0..${cMax - 1} (driver.l2RingsMax)`,
    );
  }
  const l2Base = top ? 0 : r;
  const l2Max = Array.from({ length: cMax }, (_, i) => l2Base + i);
  const nqs = Array.from({ length: r - 1 }, (_, i) => roceBase + 1 + i);
  return {
    creq: roceBase,
    nqs,
    l2Max,
    l2Rings: p.l2Rings,
    roceBase,
    l2Base,
    numMsi: top ? roceBase + r : r + cMax,
  };
}
