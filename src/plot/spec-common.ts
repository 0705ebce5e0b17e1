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
