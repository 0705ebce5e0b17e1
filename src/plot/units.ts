/** Time units for plot axes and the report table (values in the CSVs are integer ns). */
export interface TimeUnit {
  label: "ns" | "µs" | "ms" | "s";
  ns: number;
}

export const NS: TimeUnit = { label: "ns", ns: 1 };
export const US: TimeUnit = { label: "µs", ns: 1e3 };
export const MS: TimeUnit = { label: "ms", ns: 1e6 };
export const S: TimeUnit = { label: "s", ns: 1e9 };

const UNITS = [S, MS, US, NS];

/** The largest unit in which the median of the positive values is at least 1 (ms when none). */
export function chooseTimeUnit(valuesNs: readonly number[]): TimeUnit {
  const positive = valuesNs.filter((v) => v > 0).sort((a, b) => a - b);
  if (positive.length === 0) return MS;
  const median = positive[Math.floor((positive.length - 1) / 2)]!;
  return UNITS.find((u) => median >= u.ns) ?? NS;
}

/** ns in a unit, rounded to 9 significant digits so that the JSON stays short and stable. */
export function inUnit(ns: number, unit: TimeUnit): number {
  return Number((ns / unit.ns).toPrecision(9));
}

/** "690.5 ms", "30.3 µs", "0": four significant digits in the largest unit that fits. */
export function formatNs(ns: number): string {
  if (ns === 0) return "0";
  const unit = UNITS.find((u) => Math.abs(ns) >= u.ns) ?? NS;
  return `${Number((ns / unit.ns).toPrecision(4))} ${unit.label}`;
}

/** A rate or other fraction for the table: at most four significant digits. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}
