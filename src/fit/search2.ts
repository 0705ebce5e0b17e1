/**
 * The two-parameter search of `fit`: a grid over both ranges, then the centre of every cell whose
 * corners lie on both sides of the observed rate (or differ in consistency), one level. The
 * result is a consistency map, not a point: many pairs of values reproduce one rate.
 */
import {
  allEqual,
  type Evaluator,
  gridValues,
  midpoint,
  type Observed,
  type Point,
  pointOf,
  type SearchAxis,
  type SearchOptions,
  type Stage,
} from "./search.js";

export interface AxisRange {
  /** The smallest and largest value of this axis among consistent points, or null. */
  low: number | null;
  high: number | null;
}

export interface Search2Result {
  status: "ok" | "no_effect" | "none_consistent";
  observed: Observed;
  points: Point[];
  /** The grid values of each axis (the map's rows and columns). */
  grid: [number[], number[]];
  ranges: [AxisRange, AxisRange];
  /** The consistent point whose rate is closest to K/N, or null. */
  best: Point | null;
  /** Cells refined (their centres evaluated). */
  refined: number;
  message: string;
}

const fmt = (x: number) => String(Number(x.toPrecision(4)));

export async function search2(
  axes: [SearchAxis, SearchAxis],
  observed: Observed,
  evaluate: Evaluator,
  labels: [string, string],
  options: SearchOptions = {},
): Promise<Search2Result> {
  const n = options.gridPoints ?? 5;
  const maxCells = options.maxCells ?? 16;
  const points: Point[] = [];
  const key = (v: readonly number[]) => `${v[0]}|${v[1]}`;
  const byKey = new Map<string, Point>();
  const run = async (v: [number, number], stage: Stage): Promise<Point> => {
    const known = byKey.get(key(v));
    if (known) return known;
    const p = pointOf(v, await evaluate(v), observed, stage);
    points.push(p);
    byKey.set(key(v), p);
    return p;
  };
  const xs = gridValues(axes[0], n);
  const ys = gridValues(axes[1], n);
  for (const x of xs) for (const y of ys) await run([x, y], "grid");

  const f0 = options.formats?.[0] ?? fmt;
  const f1 = options.formats?.[1] ?? fmt;
  const range = `${labels[0]} = ${f0(axes[0].lo)}..${f0(axes[0].hi)}, ${labels[1]} = ${f1(axes[1].lo)}..${f1(axes[1].hi)}`;
  const result = (status: Search2Result["status"], message: string, refined = 0): Search2Result => {
    const consistent = points.filter((p) => p.consistent);
    const rangeOf = (i: 0 | 1): AxisRange =>
      consistent.length === 0
        ? { low: null, high: null }
        : {
            low: Math.min(...consistent.map((p) => p.values[i]!)),
            high: Math.max(...consistent.map((p) => p.values[i]!)),
          };
    let best: Point | null = null;
    for (const p of consistent) {
      if (best === null || Math.abs(p.rate - observed.rate) < Math.abs(best.rate - observed.rate)) {
        best = p;
      }
    }
    const sorted = [...points].sort(
      (a, b) => a.values[0]! - b.values[0]! || a.values[1]! - b.values[1]!,
    );
    return {
      status,
      observed,
      points: sorted,
      grid: [xs, ys],
      ranges: [rangeOf(0), rangeOf(1)],
      best,
      refined,
      message,
    };
  };
  if (allEqual(points)) {
    return result(
      "no_effect",
      `${labels[0]} and ${labels[1]} have no effect${options.metric ? ` on ${options.metric}` : ""} over ${range}: every point's 95% interval overlaps the others (a smaller effect needs more runs)`,
    );
  }
  // Cells whose corners straddle the observed rate or change consistency, in grid order.
  const cells: Array<[number, number]> = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    for (let j = 0; j + 1 < ys.length; j++) {
      const corners = [
        byKey.get(key([xs[i]!, ys[j]!]))!,
        byKey.get(key([xs[i + 1]!, ys[j]!]))!,
        byKey.get(key([xs[i]!, ys[j + 1]!]))!,
        byKey.get(key([xs[i + 1]!, ys[j + 1]!]))!,
      ];
      const above = corners.some((c) => c.rate >= observed.rate);
      const below = corners.some((c) => c.rate < observed.rate);
      const mixed = corners.some((c) => c.consistent) && corners.some((c) => !c.consistent);
      if ((above && below) || mixed) cells.push([i, j]);
    }
  }
  let refined = 0;
  for (const [i, j] of cells.slice(0, maxCells)) {
    const mx = midpoint(axes[0], xs[i]!, xs[i + 1]!);
    const my = midpoint(axes[1], ys[j]!, ys[j + 1]!);
    if (mx === null || my === null) continue;
    await run([mx, my], "refine");
    refined++;
  }
  const consistent = points.filter((p) => p.consistent).length;
  if (consistent === 0) {
    return result(
      "none_consistent",
      `no evaluated pair over ${range} is consistent with ${observed.k}/${observed.n}; widen the ranges`,
      refined,
    );
  }
  const more =
    cells.length > maxCells
      ? ` (${cells.length - maxCells} more cells straddle it: not refined)`
      : "";
  return result(
    "ok",
    `${consistent} of ${points.length} evaluated pairs are consistent with ${observed.k}/${observed.n}; ${refined} cells refined${more}`,
    refined,
  );
}
