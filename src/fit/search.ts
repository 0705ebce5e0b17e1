/**
 * The search behind `fit`, on an injected evaluator (a function from parameter values to k
 * failures in n runs), so that it is tested on synthetic curves without the simulator.
 *
 * One parameter: a coarse grid over [lo, hi] (geometric on a log axis), then bisection between
 * the two grid points that bracket the observed rate, then a few bisections at each edge of the
 * range of values whose simulated interval overlaps the observed one. A curve that rises
 * significantly somewhere and falls significantly elsewhere is reported as non-monotone and not
 * bisected: a bisection would pick one of several crossings without saying so.
 *
 * Two parameters: a grid, then the centre of every cell whose corners lie on both sides of the
 * observed rate (one level).
 */
import { clopperPearson, type Interval, overlaps } from "./clopper-pearson.js";

export interface Evaluation {
  k: number;
  n: number;
}

/** Evaluates a point (one value per axis); may throw SearchAborted. */
export type Evaluator = (values: readonly number[]) => Promise<Evaluation>;

/** Thrown by an evaluator to stop the search (a signal): completed points are kept by the caller. */
export class SearchAborted extends Error {
  constructor() {
    super("search aborted");
  }
}

/** What the search needs of an axis: its range, its scale and how a value is rounded. */
export interface SearchAxis {
  lo: number;
  hi: number;
  log: boolean;
  /** The value actually run for a proposed one (integers, ns, a few significant digits). */
  round(x: number): number;
}

export type Stage = "grid" | "refine" | "edge";

export interface Point {
  values: number[];
  k: number;
  n: number;
  rate: number;
  low: number;
  high: number;
  consistent: boolean;
  /** overlapMargin against the observed interval: >= 0 exactly when consistent. */
  margin: number;
  stage: Stage;
}

export interface Observed extends Interval {
  k: number;
  n: number;
  rate: number;
}

export function observedOf(k: number, n: number): Observed {
  return { k, n, rate: k / n, ...clopperPearson(k, n) };
}

export interface SearchOptions {
  /** Grid points per axis (7 for one axis, 5 for two). */
  gridPoints?: number;
  /** Bisection steps at the crossing of the observed rate. */
  refineSteps?: number;
  /** Bisection steps at each edge of the consistent range. */
  edgeSteps?: number;
  /** Cells refined at most (two axes). */
  maxCells?: number;
  /** What is counted, for messages: "link_failed". */
  metric?: string;
  /** A value of the parameter in messages ("20 us" for a duration); 4 significant digits by default. */
  format?: (x: number) => string;
  /** The same for each axis of a two-parameter search. */
  formats?: [(x: number) => string, (x: number) => string];
}

export type Status = "ok" | "not_bracketed" | "non_monotone" | "no_effect";

export interface Search1Result {
  status: Status;
  observed: Observed;
  /** Every evaluated point, by value. */
  points: Point[];
  direction: "increasing" | "decreasing" | null;
  /** The value where the simulated rate equals K/N (interpolated), or null. */
  estimate: number | null;
  /** The range of values whose simulated interval overlaps the observed one, or null if none. */
  low: number | null;
  high: number | null;
  /** The consistent range reaches the end of the searched range (it may extend beyond). */
  lowAtEdge: boolean;
  highAtEdge: boolean;
  /** Consistent points are separated by inconsistent ones (noise, or a non-monotone curve). */
  gaps: boolean;
  /** When not bracketed: the observed rate lies above or below every simulated rate. */
  position: "above" | "below" | "mixed" | null;
  /** For non_monotone: a significant rise and a significant fall, as value pairs. */
  rise: [number, number] | null;
  fall: [number, number] | null;
  message: string;
  /**
   * Doubts that do not change the answer: consistent values separated by inconsistent ones, a
   * move against the trend that a two-proportion test finds but the interval test does not.
   */
  warnings: string[];
}

/** Position on the search scale: interpolation and midpoints are linear in it. */
const toT = (a: SearchAxis, x: number) => (a.log ? Math.log(x) : x);
const fromT = (a: SearchAxis, t: number) => (a.log ? Math.exp(t) : t);

/** n values from lo to hi (the ends exact), evenly spaced on the axis's scale, rounded, distinct. */
export function gridValues(a: SearchAxis, n: number): number[] {
  const t0 = toT(a, a.lo);
  const t1 = toT(a, a.hi);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x =
      i === 0 ? a.lo : i === n - 1 ? a.hi : a.round(fromT(a, t0 + ((t1 - t0) * i) / (n - 1)));
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

/** The rounded midpoint of a and b on the axis's scale, or null when none lies strictly between. */
export function midpoint(a: SearchAxis, x: number, y: number): number | null {
  const m = a.round(fromT(a, (toT(a, x) + toT(a, y)) / 2));
  return m > Math.min(x, y) && m < Math.max(x, y) ? m : null;
}

/** The zero of the line through (x0, g0), (x1, g1) on the axis's scale (g0 and g1 of opposite signs). */
function interpolateZero(a: SearchAxis, x0: number, g0: number, x1: number, g1: number): number {
  if (g0 === g1) return x0;
  const t0 = toT(a, x0);
  const t1 = toT(a, x1);
  return fromT(a, t0 + ((t1 - t0) * (0 - g0)) / (g1 - g0));
}

/**
 * How far a point's interval is from overlapping the observed one: >= 0 when they overlap (the
 * point is consistent), negative by the size of the gap otherwise. Linear interpolation of it
 * between a consistent and an inconsistent neighbour estimates the edge of the consistent range.
 */
export function overlapMargin(p: Interval, o: Interval): number {
  return Math.min(p.high - o.low, o.high - p.low);
}

export function pointOf(values: number[], e: Evaluation, o: Observed, stage: Stage): Point {
  const ci = clopperPearson(e.k, e.n);
  return {
    values,
    k: e.k,
    n: e.n,
    rate: e.k / e.n,
    low: ci.low,
    high: ci.high,
    consistent: overlaps(ci, o),
    margin: overlapMargin(ci, o),
    stage,
  };
}

/** Every pair of intervals overlaps a common value: no point differs significantly from another. */
export function allEqual(points: readonly Interval[]): boolean {
  const maxLow = Math.max(...points.map((p) => p.low));
  const minHigh = Math.min(...points.map((p) => p.high));
  return maxLow <= minHigh;
}

/**
 * A significant rise (i < j, interval i wholly below interval j) and a significant fall, with the
 * widest such pairs, in value order. Non-overlap of two 95% intervals is a conservative test:
 * a curve flagged here really turns.
 */
export function trends(points: readonly Point[]): {
  rise: [Point, Point] | null;
  fall: [Point, Point] | null;
} {
  let rise: [Point, Point] | null = null;
  let fall: [Point, Point] | null = null;
  let riseGap = 0;
  let fallGap = 0;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i]!;
      const b = points[j]!;
      if (b.low - a.high > riseGap) {
        riseGap = b.low - a.high;
        rise = [a, b];
      }
      if (a.low - b.high > fallGap) {
        fallGap = a.low - b.high;
        fall = [a, b];
      }
    }
  }
  return { rise, fall };
}

const fmt = (x: number) => String(Number(x.toPrecision(4)));

/** Searches one axis; `label` names the parameter in messages. */
export async function search1(
  axis: SearchAxis,
  observed: Observed,
  evaluate: Evaluator,
  label: string,
  options: SearchOptions = {},
): Promise<Search1Result> {
  const gridN = options.gridPoints ?? 7;
  const refineSteps = options.refineSteps ?? 4;
  const edgeSteps = options.edgeSteps ?? 2;
  const points: Point[] = [];
  const sorted = () => [...points].sort((a, b) => a.values[0]! - b.values[0]!);
  const run = async (x: number, stage: Stage): Promise<Point> => {
    const known = points.find((p) => p.values[0] === x);
    if (known) return known;
    const p = pointOf([x], await evaluate([x]), observed, stage);
    points.push(p);
    return p;
  };
  for (const x of gridValues(axis, gridN)) await run(x, "grid");

  const base: Search1Result = {
    status: "ok",
    observed,
    points: [],
    direction: null,
    estimate: null,
    low: null,
    high: null,
    lowAtEdge: false,
    highAtEdge: false,
    gaps: false,
    position: null,
    rise: null,
    fall: null,
    message: "",
    warnings: [],
  };
  const obs = `${observed.k}/${observed.n}`;
  const fx = options.format ?? fmt;
  const range = `${fx(axis.lo)}..${fx(axis.hi)}`;
  const finish = (r: Partial<Search1Result>): Search1Result => {
    const all = sorted();
    const c = consistentRange(all, axis);
    return { ...base, ...c, ...r, points: all };
  };

  const grid = sorted();
  if (allEqual(grid)) {
    const lo = Math.min(...grid.map((p) => p.rate));
    const hi = Math.max(...grid.map((p) => p.rate));
    return finish({
      status: "no_effect",
      message: `${label} has no effect${options.metric ? ` on ${options.metric}` : ""} over ${range}: every point's 95% interval overlaps the others (simulated rates ${fmt(lo)} to ${fmt(hi)}; a smaller effect needs more runs)`,
    });
  }
  const { rise, fall } = trends(grid);
  if (rise !== null && fall !== null) {
    const pair = (p: [Point, Point]) =>
      `${fx(p[0].values[0]!)} (${fmt(p[0].rate)}) -> ${fx(p[1].values[0]!)} (${fmt(p[1].rate)})`;
    return finish({
      status: "non_monotone",
      rise: [rise[0].values[0]!, rise[1].values[0]!],
      fall: [fall[0].values[0]!, fall[1].values[0]!],
      message: `the simulated rate is not monotone in ${label} over ${range}: it rises significantly from ${pair(rise)} and falls from ${pair(fall)} (95% intervals apart); not bisected: no single crossing of ${obs}; the consistent values are those evaluated`,
    });
  }
  const direction = rise !== null ? "increasing" : "decreasing";
  const s = direction === "increasing" ? 1 : -1;
  const d = (p: Point) => s * (p.rate - observed.rate);

  // The first grid interval where the (signed) rate passes the observed one.
  let bracket: [Point, Point] | null = null;
  let exact: Point | null = null;
  for (let i = 0; i < grid.length; i++) {
    if (d(grid[i]!) === 0) {
      exact = grid[i]!;
      break;
    }
    if (i + 1 < grid.length && d(grid[i]!) < 0 && d(grid[i + 1]!) >= 0) {
      bracket = [grid[i]!, grid[i + 1]!];
      break;
    }
  }
  let estimate: number | null = null;
  if (exact !== null) {
    estimate = exact.values[0]!;
  } else if (bracket !== null) {
    let [a, b] = bracket;
    for (let step = 0; step < refineSteps; step++) {
      const m = midpoint(axis, a.values[0]!, b.values[0]!);
      if (m === null) break;
      const p = await run(m, "refine");
      if (d(p) === 0) {
        a = p;
        b = p;
        break;
      }
      if (d(p) < 0) a = p;
      else b = p;
    }
    estimate =
      a === b ? a.values[0]! : interpolateZero(axis, a.values[0]!, d(a), b.values[0]!, d(b));
  }
  await refineEdges(axis, sorted, run, edgeSteps);

  if (estimate === null) {
    const all = sorted();
    const position = all.every((p) => p.rate < observed.rate)
      ? "above"
      : all.every((p) => p.rate > observed.rate)
        ? "below"
        : "mixed";
    const where =
      position === "mixed"
        ? `the simulated rates do not cross it in the direction of the trend (${direction})`
        : `it lies ${position} every simulated rate (${fmt(Math.min(...all.map((p) => p.rate)))} to ${fmt(Math.max(...all.map((p) => p.rate)))})`;
    return finish({
      status: "not_bracketed",
      direction,
      position,
      message: `the observed rate ${obs} (${fmt(observed.rate)}) is not reached over ${label} = ${range}: ${where}; widen the range`,
    });
  }
  const r = finish({ status: "ok", direction, estimate });
  return {
    ...r,
    message: `${label} = ${fx(estimate)} reproduces ${obs} (${direction}); consistent with it: ${r.low === null ? "no evaluated value" : `${fx(r.low)}${r.lowAtEdge ? " (range end)" : ""} to ${fx(r.high!)}${r.highAtEdge ? " (range end)" : ""}`}`,
    warnings: doubts(r.points, direction, label, fx),
  };
}

/** z of the pooled two-proportion test of b's rate against a's (positive when b is higher). */
export function twoProportionZ(a: Evaluation, b: Evaluation): number {
  const p = (a.k + b.k) / (a.n + b.n);
  const se = Math.sqrt(p * (1 - p) * (1 / a.n + 1 / b.n));
  return se === 0 ? 0 : (b.k / b.n - a.k / a.n) / se;
}

/**
 * What the answer rests on but the interval tests cannot settle: inconsistent points inside the
 * consistent range, and the strongest move against the trend that a pooled two-proportion test
 * (|z| > 1.96, not corrected for the many pairs) calls significant. Either suggests a curve that
 * may turn; more runs per point settle it.
 */
function doubts(
  points: readonly Point[],
  direction: "increasing" | "decreasing",
  label: string,
  fx: (x: number) => string,
): string[] {
  const out: string[] = [];
  const idx = points.map((p, i) => (p.consistent ? i : -1)).filter((i) => i >= 0);
  if (idx.length > 0) {
    const inside = points.slice(idx[0]!, idx[idx.length - 1]! + 1).filter((p) => !p.consistent);
    if (inside.length > 0) {
      out.push(
        `the consistent values are not contiguous: ${inside.map((p) => `${label}=${fx(p.values[0]!)} (${fmt(p.rate)})`).join(", ")} inside the range ${inside.length > 1 ? "are" : "is"} not consistent`,
      );
    }
  }
  const s = direction === "increasing" ? 1 : -1;
  let worst: { a: Point; b: Point; z: number } | null = null;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const z = -s * twoProportionZ(points[i]!, points[j]!);
      if (z > 1.96 && (worst === null || z > worst.z)) {
        worst = { a: points[i]!, b: points[j]!, z };
      }
    }
  }
  if (worst !== null) {
    out.push(
      `the rate ${s > 0 ? "falls" : "rises"} from ${label}=${fx(worst.a.values[0]!)} (${fmt(worst.a.rate)}) to ${fx(worst.b.values[0]!)} (${fmt(worst.b.rate)}), against the ${direction} trend (two-proportion z = ${worst.z.toFixed(2)}; the 95% intervals overlap): the curve may not be monotone; more --runs would tell`,
    );
  }
  return out;
}

/**
 * A few bisections between the outermost consistent points and their inconsistent neighbours,
 * so that the interpolated edges rest on close points.
 */
async function refineEdges(
  axis: SearchAxis,
  sorted: () => Point[],
  run: (x: number, stage: Stage) => Promise<Point>,
  steps: number,
): Promise<void> {
  for (const side of ["low", "high"] as const) {
    for (let step = 0; step < steps; step++) {
      const all = sorted();
      const idx = all.map((p, i) => (p.consistent ? i : -1)).filter((i) => i >= 0);
      if (idx.length === 0) return;
      const i = side === "low" ? idx[0]! : idx[idx.length - 1]!;
      const j = side === "low" ? i - 1 : i + 1;
      if (j < 0 || j >= all.length) break;
      const m = midpoint(axis, all[i]!.values[0]!, all[j]!.values[0]!);
      if (m === null) break;
      await run(m, "edge");
    }
  }
}

/**
 * The consistent range of evaluated points: from the first consistent point to the last, each
 * edge interpolated (on the axis's scale) between that point and its inconsistent neighbour
 * where the overlap margin crosses zero; the range's end when the consistent point is at it.
 */
export function consistentRange(
  all: readonly Point[],
  axis: SearchAxis,
): Pick<Search1Result, "low" | "high" | "lowAtEdge" | "highAtEdge" | "gaps"> {
  const idx = all.map((p, i) => (p.consistent ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) {
    return { low: null, high: null, lowAtEdge: false, highAtEdge: false, gaps: false };
  }
  const first = idx[0]!;
  const last = idx[idx.length - 1]!;
  return {
    low: first === 0 ? all[0]!.values[0]! : edge(axis, all[first - 1]!, all[first]!),
    high: last === all.length - 1 ? all[last]!.values[0]! : edge(axis, all[last + 1]!, all[last]!),
    lowAtEdge: first === 0,
    highAtEdge: last === all.length - 1,
    gaps: last - first + 1 !== idx.length,
  };
}

/** Where the overlap margin crosses zero between an inconsistent and a consistent point. */
function edge(axis: SearchAxis, out: Point, inside: Point): number {
  return interpolateZero(axis, out.values[0]!, out.margin, inside.values[0]!, inside.margin);
}
