import { IceIrqTracker } from "./irq-tracker.js";
import type { IceParams } from "./params.js";

/** ICE_MIN_LAN_OICR_MSIX: the OICR vector (ice.h). */
const ICE_MIN_LAN_OICR_MSIX = 1;
/** ICE_FDIR_MSIX: reserved for the Flow Director when ICE_FLAG_FD_ENA (ice.h; 1 before 2023). */
const ICE_FDIR_MSIX = 2;
/** ICE_RDMA_AEQ_MSIX: the AEQ's share of the RDMA budget (ice_irq.c). */
const ICE_RDMA_AEQ_MSIX = 1;

/** How irdma uses its tracker entries (irdma_save_msix_info, irdma_setup_ceq_0/_ceqs/_aeq). */
export interface IrdmaVectors {
  /** msix_shared: msix_count <= num_online_cpus(): the AEQ and CEQ 0 share entries[0]. */
  readonly shared: boolean;
  /** The AEQ's vector (entries[0]). */
  readonly aeq: number;
  /** Each CEQ's vector, CEQ 0 first (it carries the control CQ, the CCQ). */
  readonly ceqs: readonly number[];
  /** CEQ 0's vector: the control QP's completions interrupt here. */
  readonly ccq: number;
  /** The order of request_irq: CEQ 0, CEQ 1.., the AEQ last (not requested when shared). */
  readonly requestOrder: readonly number[];
}

/**
 * irdma's vectors from its tracker entries: irdma_save_msix_info caps msix_count at cpus + 1
 * and shares entry 0 when msix_count <= cpus; num_ceqs = min(msix_count, max_ceqs);
 * irdma_setup_ceq_0 requests entries[shared ? 0 : 1], irdma_setup_ceqs entries[shared ? 1 : 2]
 * up to num_ceqs - 1 in ascending order, irdma_setup_aeq -> irdma_cfg_aeq_vector entries[0]
 * last unless shared.
 */
export function irdmaVectors(
  entries: readonly number[],
  cpus: number,
  maxCeqs: number | undefined,
): IrdmaVectors {
  const count = Math.min(entries.length, cpus + 1);
  const shared = count <= cpus;
  const numCeqs = Math.min(count, maxCeqs ?? count);
  const first = shared ? 0 : 1;
  const ceqs: number[] = [];
  for (let i = first; i < numCeqs; i++) ceqs.push(entries[i]!);
  const aeq = entries[0]!;
  return {
    shared,
    aeq,
    ceqs,
    ccq: ceqs[0] ?? aeq,
    requestOrder: shared ? ceqs : [...ceqs, aeq],
  };
}

/** Which MSI-X vector does what on a freshly probed function (docs/source-notes-ice.md). */
export interface IceLayout {
  /** The OICR ("misc") vector: ice_req_irq_msix_misc takes the first tracker entry, 0. */
  readonly misc: number;
  /** The PF VSI's q_vectors at probe (ice_vsi_alloc_q_vectors), channels 1..lanQueues. */
  readonly lan: readonly number[];
  /** The Flow Director control VSI's vector, or null without FD. */
  readonly fdir: number | null;
  /** irdma's tracker entries (entries[0] = AEQ) where they land in the scenario's order. */
  readonly rdma: readonly number[];
  readonly irdma: IrdmaVectors;
  /** msix.max: the vectors ice asks pci_alloc_irq_vectors for and the tracker's size. */
  readonly numMsi: number;
}

/** The numbers the layout needs, defaults applied; throws naming the `driver.<field>` at fault. */
export function iceCounts(p: IceParams): { lanQueues: number; rdmaVectors: number } {
  const lanQueues = p.lanQueues ?? p.cpus;
  if (lanQueues > p.cpus) {
    throw new Error(
      `driver.lanQueues: ${lanQueues} is more than cpus (${p.cpus}); ice_get_txq_count caps the queues at num_online_cpus()`,
    );
  }
  return { lanQueues, rdmaVectors: p.rdmaVectors ?? p.cpus + 1 };
}

/** msix.max = min(hw vectors, ice_get_default_msix_amount) with RDMA enabled (ice_irq.c). */
export function iceNumMsi(p: IceParams): number {
  return (
    ICE_MIN_LAN_OICR_MSIX +
    p.cpus +
    (p.flowDirector ? ICE_FDIR_MSIX : 0) +
    p.cpus +
    ICE_RDMA_AEQ_MSIX
  );
}

/**
 * The layout as ice builds it on probe (mainline order): ice_init_dev -> ice_req_irq_msix_misc
 * (0); ice_init_pf_sw -> the PF VSI's q_vectors; ice_load -> ice_init_features (FDIR, "ice: init
 * flow director before RDMA") -> ice_init_rdma (irdma, if bound at probe); or irdma later, at
 * rdma-load. Every allocation is ice_get_irq_res's lowest free entry.
 */
export function iceLayout(p: IceParams): IceLayout {
  const { lanQueues, rdmaVectors } = iceCounts(p);
  const numMsi = iceNumMsi(p);
  const t = new IceIrqTracker(numMsi);
  const misc = t.alloc();
  const lan: number[] = [];
  for (let i = 0; i < lanQueues; i++) lan.push(t.alloc());
  const fdir = p.flowDirector ? t.alloc() : null;
  const rdma = allocRdma(t, rdmaVectors, p.rdmaBase, { misc, lan, fdir, numMsi });
  return {
    misc,
    lan,
    fdir,
    rdma,
    irdma: irdmaVectors(rdma, p.cpus, p.maxCeqs),
    numMsi,
  };
}

/** icrdma_init_interrupts: one ice_alloc_rdma_qvector per vector (or the pinned block). */
function allocRdma(
  t: IceIrqTracker,
  count: number,
  base: number | undefined,
  held: { misc: number; lan: readonly number[]; fdir: number | null; numMsi: number },
): number[] {
  if (base !== undefined) {
    const end = base + count - 1;
    if (end >= held.numMsi) {
      throw new Error(
        `driver.rdmaBase: the RDMA block ${base}..${end} is beyond the ${held.numMsi} vectors ice allocates (msix.max)`,
      );
    }
    const lanLast = held.lan[held.lan.length - 1]!;
    if (base <= lanLast) {
      throw new Error(
        `driver.rdmaBase: ${base} overlaps the misc and LAN vectors ${held.misc}..${lanLast}`,
      );
    }
    if (held.fdir !== null && held.fdir >= base && held.fdir <= end) {
      throw new Error(
        `driver.rdmaBase: the RDMA block ${base}..${end} overlaps the Flow Director vector ${held.fdir}`,
      );
    }
    for (let i = base; i <= end; i++) t.allocAt(i);
    return Array.from({ length: count }, (_, i) => base + i);
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = t.alloc();
    if (v < 0) break;
    out.push(v);
  }
  if (out.length < 2) {
    throw new Error(
      `driver.rdmaVectors: only ${out.length} tracker entries are left for irdma (IRDMA_MIN_MSIX is 2)`,
    );
  }
  return out;
}
