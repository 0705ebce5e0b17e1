import type { Config } from "vega-lite";

/** The Vega-Lite schema the written .vl.json files declare (vega-lite 6). */
export const VL_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** One data row of a spec: plain values only, so the spec is plain JSON. */
export type Datum = Record<string, string | number | boolean | null>;

/** Shared look: small fonts, titles anchored left, no view border. */
export const CONFIG: Config = {
  font: "sans-serif",
  background: "white",
  padding: 8,
  title: { anchor: "start", fontSize: 14, subtitleFontSize: 11, subtitleColor: "#555" },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", grid: true },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal" },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: "#ddd" },
};

/** Plot width in pixels (facets and concatenated panels use it per panel). */
export const WIDTH = 480;

/** The same colour for a profile in every plot: the domain is the profiles in summary.csv order. */
export function profileColor(profiles: readonly string[], legend = true) {
  return {
    field: "profile",
    type: "nominal" as const,
    title: "profile",
    scale: { domain: [...profiles] },
    sort: [...profiles],
    ...(legend ? {} : { legend: null }),
  };
}

/** Grid point label of an experiment summary row: "nic_rate=1000, window=50us". */
export function pointLabel(row: Record<string, string>, gridColumns: readonly string[]): string {
  return gridColumns.map((c) => `${c}=${row[c] ?? ""}`).join(", ");
}

/** "a, b and c". */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * Profiles whose series in `rows` cannot be told apart, as groups of two or more in profile
 * order: one line would hide the other. Series are the same when every field but the profile
 * matches, numbers within `tolerance` of the largest magnitude of their field (0: exactly).
 * `exact` says whether each group is exactly equal.
 */
export function identicalSeries(
  rows: readonly Datum[],
  profiles: readonly string[],
  tolerance = 0,
  fields?: readonly string[],
): Array<{ profiles: string[]; exact: boolean }> {
  const series = new Map<string, Datum[]>();
  for (const p of profiles) {
    let s = rows.filter((r) => r["profile"] === p);
    if (fields !== undefined) {
      s = s.map((r) => Object.fromEntries(fields.map((f) => [f, r[f] ?? null])) as Datum);
    }
    if (s.length > 0) series.set(p, s);
  }
  const scale = new Map<string, number>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === "number") scale.set(k, Math.max(scale.get(k) ?? 0, Math.abs(v)));
    }
  }
  const same = (a: Datum[], b: Datum[], tol: number): boolean =>
    a.length === b.length &&
    a.every((x, i) =>
      Object.entries(x).every(([k, v]) => {
        if (k === "profile") return true;
        const w = b[i]![k];
        if (typeof v === "number" && typeof w === "number") {
          return Math.abs(v - w) <= tol * (scale.get(k) ?? 0);
        }
        return v === w;
      }),
    );
  const groups: Array<{ profiles: string[]; exact: boolean }> = [];
  const placed = new Set<string>();
  for (const [p, s] of series) {
    if (placed.has(p)) continue;
    const g = [...series].filter(([q, t]) => !placed.has(q) && same(s, t, tolerance));
    for (const [q] of g) placed.add(q);
    if (g.length > 1) {
      groups.push({
        profiles: g.map(([q]) => q),
        exact: g.every(([, t]) => same(s, t, 0)),
      });
    }
  }
  return groups;
}

/** A subtitle line for each group of profiles whose lines hide each other. */
export function identicalNote(
  groups: ReadonlyArray<{ profiles: string[]; exact: boolean }>,
): string[] {
  return groups.map(
    (g) =>
      `${listText(g.profiles)}: ${g.exact ? "identical values" : "indistinguishable at this scale"} (${g.profiles.length > 2 ? "the lines hide each other" : "one line hides the other"})`,
  );
}

/** Lines closer than this share of their axis cannot be told apart in a plot (a few pixels). */
export const HIDDEN = 0.01;
