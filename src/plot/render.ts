import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { installTextMetrics } from "./text-metrics.js";

/**
 * Renders a Vega-Lite spec to an SVG string in Node: no browser, no canvas (text is measured from
 * a fixed table of glyph widths, see text-metrics.ts, so layout is deterministic). Clip-path and gradient ids are numbered
 * from zero for every plot and prefixed with `idPrefix`, so the SVG is byte-identical for the
 * same spec and several SVGs can be inlined in one HTML page without their ids clashing.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  installTextMetrics();
  const logger = vega.logger(vega.Error);
  const compiled = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
  try {
    vega.resetSVGDefIds();
    const svg = await view.toSVG();
    return `${prefixIds(svg, idPrefix)}\n`;
  } finally {
    view.finalize();
  }
}

/** id="x" -> id="p-x", and every reference to it: url(#x), href="#x". */
export function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

/** The .vl.json beside each SVG: the spec as rendered, with its data inline. */
export function specJson(spec: TopLevelSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}
