import type { Hns3Params } from "./params.js";

/** Which MSI-X vector does what (MODEL.md section 6; docs/source-notes-guest.md). */
export interface Hns3Layout {
  /** The misc vector (hclge_get_misc_vector: index 0). */
  readonly misc: number;
  /** Queue (TQP) vectors in use at probe, enabled ascending at interface up (hns3_nic_net_up). */
  readonly tqp: readonly number[];
  /** Every vector the NIC may use for queues (1..num_nic_msi - 1): ethtool -L can grow into them. */
  readonly tqpMax: readonly number[];
  readonly roceBase: number;
  /** hns_roce: abnormal at base + 0, AEQ at base + 1, CEQs from base + 2. */
  readonly abnormal: number;
  readonly aeq: number;
  readonly ceqs: readonly number[];
  /** __hns_roce_request_irq's order: abnormal, every CEQ, the AEQ last. */
  readonly roceRequestOrder: readonly number[];
  /** num_msi: the vectors the driver allocates (pci_alloc_irq_vectors max). */
  readonly numMsi: number;
}

/** A VF's RoCE vectors start at 64 (hclgevf_query_vf_resource: "The offset is fixed to 64"). */
export const VF_ROCE_BASE = 64;

export function hns3Layout(p: Hns3Params): Hns3Layout {
  const roceBase = p.roceBase ?? (p.function === "vf" ? VF_ROCE_BASE : p.nicVectors);
  const tqpCount = p.tqpVectors ?? p.nicVectors - 1;
  if (tqpCount > p.nicVectors - 1) {
    throw new Error(
      `driver.tqpVectors: ${tqpCount} is more than nicVectors - 1 (${p.nicVectors - 1})`,
    );
  }
  if (roceBase < p.nicVectors) {
    throw new Error(`driver.roceBase: ${roceBase} overlaps the NIC vectors 0..${p.nicVectors - 1}`);
  }
  const ceqs: number[] = [];
  for (let i = 2; i < p.roceVectors; i++) ceqs.push(roceBase + i);
  return {
    misc: 0,
    tqp: Array.from({ length: tqpCount }, (_, i) => i + 1),
    tqpMax: Array.from({ length: p.nicVectors - 1 }, (_, i) => i + 1),
    roceBase,
    abnormal: roceBase,
    aeq: roceBase + 1,
    ceqs,
    roceRequestOrder: [roceBase, ...ceqs, roceBase + 1],
    numMsi: roceBase + p.roceVectors,
  };
}
