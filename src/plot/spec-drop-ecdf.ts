import type { TopLevelSpec } from "vega-lite";
import {
  CONFIG,
  type Datum,
  HIDDEN,
  identicalNote,
  identicalSeries,
  listText,
  profileColor,
  VL_SCHEMA,
  WIDTH,
} from "./spec-common.js";
import { chooseTimeUnit, inUnit } from "./units.js";

/** More distinct values than this per profile are thinned to this many quantiles. */
const MAX_POINTS = 1000;

export interface EcdfData {
  rows: Datum[];
  unit: string;
  /** Per profile: runs, and runs whose total drop window is zero (not drawable on a log axis). */
  counts: Array<{ profile: string; runs: number; zero: number }>;
  /**
   * Per profile, what its curve looks like on the log axis: the share of zero totals and the
   * log10 of a few quantiles, to tell curves that hide each other (see identicalSeries).
   */
  shape: Datum[];
}

/**
 * The ECDF of drop_window_total_ns per profile over all its runs: at each distinct positive total
 * x, the fraction of runs with total <= x. Runs with a zero total count toward the fraction (they
 * lift the curve's start) but have no point of their own on the log axis.
 */
export function ecdfData(
  totals: ReadonlyMap<string, readonly number[]>,
  profiles: readonly string[],
): EcdfData {
  const byProfile = new Map<string, number[]>(profiles.map((p) => [p, [...(totals.get(p) ?? [])]]));
  const all = [...byProfile.values()].flat();
  const unit = chooseTimeUnit(all);
  const globalMax = all.reduce((m, v) => Math.max(m, v), 0);
  const rows: Datum[] = [];
  const counts: EcdfData["counts"] = [];
  const shape: Datum[] = [];
  const positive = all.filter((v) => v > 0);
  // Where a value sits on the log axis, from 0 (the smallest total) to 1 (the largest).
  // (reduce, not Math.min(...): a batch has far more runs than a call has arguments)
  const min = positive.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
  const max = positive.reduce((m, v) => Math.max(m, v), 0);
  const lo = positive.length > 0 ? Math.log10(min) : 0;
  const span = positive.length > 0 ? Math.log10(max) - lo || 1 : 1;
  const onAxis = (v: number) => (Math.log10(v) - lo) / span;
  for (const profile of profiles) {
    const values = byProfile.get(profile)!.sort((a, b) => a - b);
    const n = values.length;
    const zero = values.filter((v) => v <= 0).length;
    counts.push({ profile, runs: n, zero });
    if (n > zero) {
      const pos = values.slice(zero);
      const q = (f: number) => onAxis(pos[Math.min(pos.length - 1, Math.floor(f * pos.length))]!);
      shape.push({
        profile,
        zero: zero / n,
        q05: q(0.05),
        q25: q(0.25),
        q50: q(0.5),
        q75: q(0.75),
        q95: q(0.95),
      });
    }
    // (value, fraction of runs <= value) at the last occurrence of each distinct positive value.
    const steps: Array<[number, number]> = [];
    for (let i = zero; i < n; i++) {
      if (i + 1 < n && values[i + 1] === values[i]) continue;
      steps.push([values[i]!, (i + 1) / n]);
    }
    let kept = steps;
    if (steps.length > MAX_POINTS) {
      kept = [];
      for (let k = 0; k < MAX_POINTS; k++) {
        kept.push(steps[Math.round((k * (steps.length - 1)) / (MAX_POINTS - 1))]!);
      }
    }
    if (kept.length === 0) continue;
    // The jump at the smallest value (from the zero-total runs' share) and the flat tail to the
    // largest total of any profile, so that even a single distinct value draws a visible step.
    const path: Array<[number, number]> = [[kept[0]![0], zero / n], ...kept];
    if (kept[kept.length - 1]![0] < globalMax) path.push([globalMax, 1]);
    path.forEach(([v, f], step) => {
      rows.push({ profile, step, total: inUnit(v, unit), fraction: Number(f.toPrecision(9)) });
    });
  }
  return { rows, unit: unit.label, counts, shape };
}

function zeroNote(counts: EcdfData["counts"]): string[] {
  const none = counts.filter((c) => c.runs > 0 && c.zero === c.runs).map((c) => c.profile);
  const some = counts
    .filter((c) => c.zero > 0 && c.zero < c.runs)
    .map((c) => `${c.profile} ${c.zero} of ${c.runs}`);
  const parts: string[] = [];
  if (none.length > 0) parts.push(`no drop window in any run: ${listText(none)} (no curve)`);
  if (some.length > 0) parts.push(`runs without a drop window: ${listText(some)}`);
  return parts.length > 0 ? parts : ["every run had a drop window"];
}

/** ECDF of the total drop window per run, one line per profile, log time axis. */
export function dropEcdfSpec(
  totals: ReadonlyMap<string, readonly number[]>,
  profiles: readonly string[],
): TopLevelSpec {
  const d = ecdfData(totals, profiles);
  const subtitle = [
    "log time axis; runs without a drop window (total 0) count toward",
    "the fraction but cannot be drawn on it",
    ...zeroNote(d.counts),
    ...identicalNote(identicalSeries(d.shape, profiles, HIDDEN)),
  ];
  if (d.rows.length === 0) {
    return {
      $schema: VL_SCHEMA,
      title: { text: "Drop-window total per run (ECDF)", subtitle },
      config: CONFIG,
      width: WIDTH,
      height: 60,
      data: { values: [{ text: "no run of any profile had a drop window" }] },
      mark: { type: "text", fontSize: 13 },
      encoding: { text: { field: "text" } },
    };
  }
  return {
    $schema: VL_SCHEMA,
    title: { text: "Drop-window total per run (ECDF)", subtitle },
    config: CONFIG,
    width: WIDTH,
    height: 280,
    data: { values: d.rows },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 2, point: false },
    encoding: {
      x: {
        field: "total",
        type: "quantitative",
        title: `drop window per run (total, ${d.unit})`,
        scale: { type: "log", nice: false, padding: 12 },
        axis: { format: "~g" },
      },
      y: {
        field: "fraction",
        type: "quantitative",
        title: "fraction of runs with total ≤ x",
        scale: { domain: [0, 1] },
      },
      color: profileColor(profiles),
      order: { field: "step", type: "quantitative" },
    },
  };
}
