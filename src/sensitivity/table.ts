import { mean } from "../batch/stats.js";
import type { ScenarioAssumption } from "./assumptions.js";
import { type PairedEffect, pairedEffect, pairedMean } from "./paired.js";
import type { End } from "./plan.js";
import type { PointOutcome } from "./run.js";

/** One end of one assumption in the ranking. */
export interface EndResult {
  label: string;
  status: "run" | "same" | "invalid";
  why: string | null;
  slug: string;
  rate: number | null;
  effect: PairedEffect | null;
  meanDrops: number | null;
  dropsDiff: { mean: number; low: number; high: number } | null;
}

export interface SensitivityRow {
  rank: number;
  assumption: ScenarioAssumption;
  low: EndResult | null;
  high: EndResult;
  /** The larger |effect| of its two ends (0 when neither could be measured). */
  maxAbs: number;
}

export const SENSITIVITY_COLUMNS = [
  "rank",
  "parameter",
  "set_path",
  "kind",
  "baseline_value",
  "low_value",
  "high_value",
  "runs",
  "baseline_rate",
  "rate_low",
  "rate_high",
  "effect_low",
  "effect_low_ci95_low",
  "effect_low_ci95_high",
  "effect_high",
  "effect_high_ci95_low",
  "effect_high_ci95_high",
  "max_abs_effect",
  "discordant_low",
  "discordant_high",
  "interval_low",
  "interval_high",
  "mean_drops_baseline",
  "mean_drops_low",
  "mean_drops_high",
  "drops_diff_low",
  "drops_diff_high",
  "status_low",
  "status_high",
  "point_low",
  "point_high",
  "why",
] as const;

/**
 * The assumptions ranked by the larger |effect| of their two ends (then by the wider reach of
 * their intervals, then by path, so that the order is deterministic).
 */
export function rankAssumptions(outcomes: readonly PointOutcome[]): {
  rows: SensitivityRow[];
  baseline: PointOutcome;
} {
  const baseline = outcomes.find((o) => o.point.assumption === null)!;
  const byPath = new Map<
    string,
    { a: ScenarioAssumption; ends: Partial<Record<End, EndResult>> }
  >();
  for (const o of outcomes) {
    const a = o.point.assumption;
    if (a === null) continue;
    const entry = byPath.get(a.path) ?? { a, ends: {} };
    entry.ends[o.point.end!] = endResult(o, baseline);
    byPath.set(a.path, entry);
  }
  const reach = (e: EndResult | null | undefined) =>
    e?.effect ? Math.max(Math.abs(e.effect.low), Math.abs(e.effect.high)) : 0;
  const abs = (e: EndResult | null | undefined) => (e?.effect ? Math.abs(e.effect.effect) : 0);
  const rows = [...byPath.values()].map(({ a, ends }) => ({
    rank: 0,
    assumption: a,
    low: ends.low ?? null,
    high: ends.high!,
    maxAbs: Math.max(abs(ends.low), abs(ends.high)),
  }));
  rows.sort(
    (x, y) =>
      y.maxAbs - x.maxAbs ||
      Math.max(reach(y.low), reach(y.high)) - Math.max(reach(x.low), reach(x.high)) ||
      (x.assumption.path < y.assumption.path ? -1 : 1),
  );
  rows.forEach((r, i) => {
    r.rank = i + 1;
  });
  return { rows, baseline };
}

function endResult(o: PointOutcome, base: PointOutcome): EndResult {
  const p = o.point;
  const label = p.assumption![p.end!]!.label;
  const measured = p.status !== "invalid";
  return {
    label,
    status: p.status,
    why: p.why ?? null,
    slug: p.slug,
    rate: measured ? mean(o.y) : null,
    effect: measured ? pairedEffect(base.y, o.y) : null,
    meanDrops: measured ? mean(o.drops) : null,
    dropsDiff: measured ? pairedMean(base.drops, o.drops) : null,
  };
}

const r6 = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 1e6) / 1e6;

export function csvRow(row: SensitivityRow, baseline: PointOutcome): Record<string, unknown> {
  const { assumption: a, low, high } = row;
  const end = (e: EndResult | null) => ({
    value: e?.label ?? null,
    rate: r6(e?.rate),
    effect: r6(e?.effect?.effect),
    lo: r6(e?.effect?.low),
    hi: r6(e?.effect?.high),
    disc: e?.effect ? `+${e.effect.up}/-${e.effect.down}` : null,
    method: e?.effect?.method ?? null,
    drops: r6(e?.meanDrops),
    dd: e?.dropsDiff
      ? `${r6(e.dropsDiff.mean)} [${r6(e.dropsDiff.low)}, ${r6(e.dropsDiff.high)}]`
      : null,
    status:
      e === null
        ? "no low end (a switch)"
        : e.status === "run"
          ? "run"
          : e.status === "same"
            ? "same as baseline"
            : `invalid: ${e.why}`,
    slug: e?.status === "run" ? e.slug : null,
  });
  const l = end(low);
  const h = end(high);
  return {
    rank: row.rank,
    parameter: a.name,
    set_path: a.path,
    kind: a.meta.kind,
    baseline_value: a.baseline,
    low_value: l.value,
    high_value: h.value,
    runs: baseline.y.length,
    baseline_rate: r6(mean(baseline.y)),
    rate_low: l.rate,
    rate_high: h.rate,
    effect_low: l.effect,
    effect_low_ci95_low: l.lo,
    effect_low_ci95_high: l.hi,
    effect_high: h.effect,
    effect_high_ci95_low: h.lo,
    effect_high_ci95_high: h.hi,
    max_abs_effect: r6(row.maxAbs),
    discordant_low: l.disc,
    discordant_high: h.disc,
    interval_low: l.method,
    interval_high: h.method,
    mean_drops_baseline: r6(mean(baseline.drops)),
    mean_drops_low: l.drops,
    mean_drops_high: h.drops,
    drops_diff_low: l.dd,
    drops_diff_high: h.dd,
    status_low: l.status,
    status_high: h.status,
    point_low: l.slug,
    point_high: h.slug,
    why: a.meta.why,
  };
}
