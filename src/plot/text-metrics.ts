import * as vega from "vega";

/**
 * Text width for vega's layout without a canvas. Vega's own fallback guesses 0.8 em per
 * character, which is far too wide for proportional fonts and pads every chart with empty space
 * (a long subtitle doubles the SVG width). This uses the advance widths of Helvetica (in 1/1000
 * em, printable ASCII from the space), scaled up a little so that wider sans-serif fonts such as
 * DejaVu Sans still fit. Deterministic: no font files, no canvas.
 */
const ASCII_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** Wider fonts than Helvetica (DejaVu Sans, Verdana) and bold text. */
const SCALE = 1.2;
const BOLD = 1.08;

function isBold(weight: unknown): boolean {
  if (weight === undefined || weight === null) return false;
  if (typeof weight === "number") return weight >= 600;
  const w = String(weight);
  return w === "bold" || w === "bolder" || Number(w) >= 600;
}

/** Width in px of one line of text. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    units += c >= 32 && c <= 126 ? ASCII_WIDTHS[c - 32]! : 600;
  }
  return (units / 1000) * fontSize * SCALE * (bold ? BOLD : 1);
}

interface TextItem {
  text?: unknown;
  fontSize?: number | string;
  fontWeight?: unknown;
  limit?: number;
}

function itemWidth(item: TextItem, text?: unknown): number {
  const value = text ?? item.text;
  const lines = Array.isArray(value) ? value : [value];
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const bold = isBold(item.fontWeight);
  let w = 0;
  for (const line of lines) {
    const s = line == null ? "" : String(line).trim();
    w = Math.max(w, textWidth(s, size, bold));
  }
  const limit = Number(item.limit);
  // Vega truncates a text wider than its limit (with an ellipsis) to at most the limit.
  return Math.ceil(limit > 0 ? Math.min(w, limit) : w);
}

let installed = false;

/** Makes vega (this process, all views) measure text with `itemWidth`. */
export function installTextMetrics(): void {
  if (installed) return;
  const metrics = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics;
  metrics.width = itemWidth;
  installed = true;
}
