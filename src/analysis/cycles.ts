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

/**
 * `windows` as drop windows come from computeWindows: grouped by vector, each vector's in time
 * order and disjoint. A cycle's overlaps are then found by a binary search per vector instead
 * of a scan of every window for every cycle (any other order falls back to that scan).
 */
export function cycleSummaries(
  cycles: readonly CycleRecord[],
  windows: readonly Window[],
): CycleSummary[] {
  const groups = byVector(windows);
  return cycles.map((c, i) => {
    let total = 0;
    let max = 0;
    let vectors = 0;
    const add = (w: Window): boolean => {
      const s = Math.max(w.start, c.start);
      const e = Math.min(w.end, c.end);
      if (!(e > s)) return false;
      total += e - s;
      if (e - s > max) max = e - s;
      return true;
    };
    if (groups === null) {
      const seen = new Set<number>();
      for (const w of windows) if (add(w)) seen.add(w.vector);
      vectors = seen.size;
    } else {
      for (const [lo, hi] of groups) {
        let hit = false;
        // The first window of the vector that ends after the cycle starts; those from there on
        // that start before it ends overlap it.
        for (let k = firstEndingAfter(windows, lo, hi, c.start); k < hi; k++) {
          const w = windows[k]!;
          if (w.start >= c.end) break;
          if (add(w)) hit = true;
        }
        if (hit) vectors++;
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
      vectorsWithWindows: vectors,
    };
  });
}

/** Index ranges [lo, hi) of each vector's windows, or null if not grouped, ordered, disjoint. */
function byVector(windows: readonly Window[]): Array<[number, number]> | null {
  const groups: Array<[number, number]> = [];
  const seen = new Set<number>();
  let lo = 0;
  for (let k = 0; k <= windows.length; k++) {
    const w = windows[k];
    const prev = windows[k - 1];
    if (k > lo && (w === undefined || w.vector !== prev!.vector)) {
      if (seen.has(prev!.vector)) return null;
      seen.add(prev!.vector);
      groups.push([lo, k]);
      lo = k;
    } else if (k > lo && w!.start < prev!.end) {
      return null;
    }
  }
  return groups;
}

/** First k in [lo, hi) with windows[k].end > t (ends increase within a vector), or hi. */
function firstEndingAfter(windows: readonly Window[], lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (windows[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
