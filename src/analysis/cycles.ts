import type { CycleRecord } from "../model/qemu/vfio-msix.js";
import type { Window } from "./windows.js";

/** One host reconfiguration with the drop windows that fall inside it (cycles.csv). */
export interface CycleSummary {
  cycle: number;
  kind: CycleRecord["kind"];
  /** The vector whose unmask started it (-1 for a disable). */
  vector: number;
  /** Vectors in use when it started. */
  active: number;
  nrVectors: number;
  start: number;
  end: number;
  /** Summed over vectors: drop-window time inside [start, end]. */
  dropWindowTotal: number;
  /** The longest single window inside it. */
  dropWindowMax: number;
  vectorsWithWindows: number;
}

export function cycleSummaries(
  cycles: readonly CycleRecord[],
  windows: readonly Window[],
): CycleSummary[] {
  return cycles.map((c, i) => {
    let total = 0;
    let max = 0;
    const vectors = new Set<number>();
    for (const w of windows) {
      const s = Math.max(w.start, c.start);
      const e = Math.min(w.end, c.end);
      if (e > s) {
        total += e - s;
        if (e - s > max) max = e - s;
        vectors.add(w.vector);
      }
    }
    return {
      cycle: i,
      kind: c.kind,
      vector: c.vector,
      active: c.active,
      nrVectors: c.nrVectors,
      start: c.start,
      end: c.end,
      dropWindowTotal: total,
      dropWindowMax: max,
      vectorsWithWindows: vectors.size,
    };
  });
}
