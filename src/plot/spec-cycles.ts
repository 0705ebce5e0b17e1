import type { TopLevelSpec } from "vega-lite";
import { numberAt, type Table } from "./read-results.js";
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

export interface CycleData {
  rows: Datum[];
  unit: string;
  /** Resize cycles per profile. */
  cycles: Array<{ profile: string; count: number }>;
  /** Distinct runs in cycles.csv (it holds only the runs below the batch's --window-runs). */
  runs: number;
}

/**
 * The mean drop window of a resize cycle (cycles.csv, kind=resize: the sum over the cycle's
 * vectors) per profile and number of active vectors, with the cycle count and the maximum.
 */
export function cycleData(cycles: Table, profiles: readonly string[]): CycleData {
  const acc = new Map<string, Map<number, { n: number; sum: number; max: number }>>(
    profiles.map((p) => [p, new Map()]),
  );
  const all: number[] = [];
  cycles.rows.forEach((row, i) => {
    if (row["kind"] !== "resize") return;
    const byActive = acc.get(row["profile"]!);
    const active = numberAt(cycles, i, "active");
    const w = numberAt(cycles, i, "drop_window_total_ns");
    if (!byActive || active === null || w === null) return;
    const a = byActive.get(active) ?? { n: 0, sum: 0, max: 0 };
    a.n++;
    a.sum += w;
    a.max = Math.max(a.max, w);
    byActive.set(active, a);
    all.push(w);
  });
  const unit = chooseTimeUnit(all);
  const rows: Datum[] = [];
  const counts: CycleData["cycles"] = [];
  for (const profile of profiles) {
    const byActive = acc.get(profile)!;
    let count = 0;
    for (const active of [...byActive.keys()].sort((a, b) => a - b)) {
      const a = byActive.get(active)!;
      count += a.n;
      rows.push({
        profile,
        active,
        cycles: a.n,
        mean: inUnit(a.sum / a.n, unit),
        max: inUnit(a.max, unit),
      });
    }
    counts.push({ profile, count });
  }
  const runs = new Set(cycles.rows.map((r) => r["run"])).size;
  return { rows, unit: unit.label, cycles: counts, runs };
}

/** Batch folder: mean drop window per resize cycle against the active vectors, per profile. */
export function cyclesSpec(cycles: Table, profiles: readonly string[]): TopLevelSpec {
  const d = cycleData(cycles, profiles);
  const none = d.cycles.filter((c) => c.count === 0).map((c) => c.profile);
  const subtitle = [
    "cycles.csv, kind=resize; drop window of a cycle: the sum over its vectors",
    `point: mean over the cycles that started with that many active vectors (${d.runs} runs)`,
    ...(none.length > 0 ? [`no resize cycle: ${listText(none)}`] : []),
    ...identicalNote(identicalSeries(d.rows, profiles, HIDDEN, ["active", "mean"])),
  ];
  const title = "Drop window per resize cycle against active vectors";
  if (d.rows.length === 0) {
    return {
      $schema: VL_SCHEMA,
      title: { text: title, subtitle },
      config: CONFIG,
      width: WIDTH,
      height: 60,
      data: {
        values: [
          {
            text:
              cycles.rows.length === 0
                ? "cycles.csv has no rows (it holds only the runs below --window-runs)"
                : "no resize cycle in any run",
          },
        ],
      },
      mark: { type: "text", fontSize: 13 },
      encoding: { text: { field: "text" } },
    };
  }
  const x = {
    field: "active",
    type: "quantitative" as const,
    title: "active vectors (at the start of the cycle)",
    axis: { tickMinStep: 1, format: "d" },
  };
  const y = {
    field: "mean",
    type: "quantitative" as const,
    title: `mean drop window per resize cycle (${d.unit})`,
  };
  const color = profileColor(profiles);
  return {
    $schema: VL_SCHEMA,
    title: { text: title, subtitle },
    config: CONFIG,
    width: WIDTH,
    height: 280,
    data: { values: d.rows },
    layer: [
      { mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color } },
      { mark: { type: "point", filled: true, size: 30, opacity: 1 }, encoding: { x, y, color } },
    ],
  };
}
