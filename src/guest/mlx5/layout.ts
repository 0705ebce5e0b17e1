import type { Mlx5Params } from "./params.js";

/** MLX5E_MAX_NUM_CHANNELS / 2: mlx5e_build_nic_params' cap on the default channel count. */
export const MLX5E_DEFAULT_MAX_CHANNELS = 64;

/** Which MSI-X vector does what (docs/source-notes-mlx5.md). */
export interface Mlx5Layout {
  /** The control vector: command, async and pages EQs (mlx5_ctrl_irq_request). */
  readonly ctrl: number;
  /** comp[k]: the MSI-X index of completion vector k (mlx5_irq_request_vector). */
  readonly comp: readonly number[];
  /** Combined channels at interface up; channel i uses completion vector i. */
  readonly channels: number;
  /** Completion vectors 0..rdmaCqVectors-1 get RDMA CQs after mlx5_ib loads. */
  readonly rdmaCqVectors: number;
  /** pcif_vec: what mlx5_irq_table_create asks pci_alloc_irq_vectors for (a VF has no SFs). */
  readonly numMsi: number;
}

export function mlx5Layout(p: Mlx5Params): Mlx5Layout {
  const k = p.compVectors;
  const numMsi = k + 1;
  if (p.ctrlVector >= numMsi) {
    throw new Error(
      `driver.ctrlVector: ${p.ctrlVector} is beyond the driver's ${numMsi} vectors (compVectors + 1)`,
    );
  }
  if (p.compBase + k > numMsi) {
    throw new Error(
      `driver.compBase: completion vectors ${p.compBase}..${p.compBase + k - 1} run beyond the driver's ${numMsi} vectors`,
    );
  }
  if (p.ctrlVector >= p.compBase && p.ctrlVector < p.compBase + k) {
    throw new Error(
      `driver.ctrlVector: ${p.ctrlVector} overlaps the completion vectors ${p.compBase}..${p.compBase + k - 1} (mlx5 puts the control vector first with compBase 1, or last with compBase 0)`,
    );
  }
  const channels = p.channels ?? Math.min(MLX5E_DEFAULT_MAX_CHANNELS, k);
  if (channels > k) {
    throw new Error(`driver.channels: ${channels} is more than compVectors (${k})`);
  }
  if (p.rdmaCqVectors > k) {
    throw new Error(`driver.rdmaCqVectors: ${p.rdmaCqVectors} is more than compVectors (${k})`);
  }
  return {
    ctrl: p.ctrlVector,
    comp: Array.from({ length: k }, (_, i) => p.compBase + i),
    channels,
    rdmaCqVectors: p.rdmaCqVectors,
    numMsi,
  };
}
