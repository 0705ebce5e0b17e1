import type { Table } from "./read-results.js";
import { formatNs, formatNumber } from "./units.js";

/** One plot in the report: its SVG inline, and the names of its files. */
export interface Figure {
  name: string;
  heading: string;
  svg: string;
}

export interface ReportLink {
  href: string;
  label: string;
  detail: string;
}

export interface Report {
  title: string;
  /** Lines under the title (plain text). */
  meta: string[];
  /** Shown as a preformatted command line, when known. */
  commandLine: string | null;
  summary: Table;
  figures: Figure[];
  /** Plots that were not drawn, and why. */
  notes: string[];
  /** Experiment: one link per grid point's own report. */
  links: ReportLink[];
  /** A grid point's report: the link back to the experiment's. */
  parent?: ReportLink;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** A summary.csv cell for reading: durations in units, fractions to four digits. */
function cell(column: string, raw: string): { text: string; numeric: boolean } {
  if (raw === "") return { text: "", numeric: false };
  const v = Number(raw);
  if (!Number.isFinite(v)) return { text: raw, numeric: false };
  if (column.endsWith("_ns")) return { text: formatNs(v), numeric: true };
  return { text: formatNumber(v), numeric: true };
}

function tableHtml(t: Table): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = t.rows
    .map((row) => {
      const cells = t.columns.map((c) => {
        const raw = row[c] ?? "";
        const { text, numeric } = cell(c, raw);
        const title = text !== raw ? ` title="${escapeHtml(raw)}"` : "";
        return `<td${numeric ? ' class="n"' : ""}${title}>${escapeHtml(text)}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

const STYLE = `body{font-family:sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}
p.meta{margin:2px 0;color:#444}pre{background:#f5f5f5;padding:6px 8px;overflow-x:auto}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:12px}
th,td{border:1px solid #ddd;padding:3px 6px;white-space:nowrap}th{background:#f0f0f0;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:12px 0}
figcaption{font-size:12px;color:#555}svg{max-width:100%;height:auto}`;

/** The self-contained report: no external scripts, styles or images. */
export function reportHtml(r: Report): string {
  const parts: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${escapeHtml(r.title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    ...(r.parent
      ? [
          `<p class="meta"><a href="${escapeHtml(r.parent.href)}">${escapeHtml(r.parent.label)}</a> ${escapeHtml(r.parent.detail)}</p>`,
        ]
      : []),
    `<h1>${escapeHtml(r.title)}</h1>`,
    ...r.meta.map((m) => `<p class="meta">${escapeHtml(m)}</p>`),
  ];
  if (r.commandLine) parts.push(`<pre>${escapeHtml(r.commandLine)}</pre>`);
  parts.push(
    "<h2>Summary</h2>",
    `<p class="meta">summary.csv; durations converted from ns (hover a cell for the exact value).</p>`,
    tableHtml(r.summary),
  );
  for (const f of r.figures) {
    parts.push(
      `<h2>${escapeHtml(f.heading)}</h2>`,
      `<figure id="${escapeHtml(f.name)}">`,
      f.svg.trimEnd(),
      `<figcaption>${escapeHtml(f.name)}.svg; Vega-Lite spec with its data: ${escapeHtml(f.name)}.vl.json</figcaption>`,
      "</figure>",
    );
  }
  if (r.notes.length > 0) {
    parts.push("<h2>Not plotted</h2>", "<ul>");
    for (const n of r.notes) parts.push(`<li>${escapeHtml(n)}</li>`);
    parts.push("</ul>");
  }
  if (r.links.length > 0) {
    parts.push("<h2>Grid points</h2>", "<ul>");
    for (const l of r.links) {
      parts.push(
        `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a> ${escapeHtml(l.detail)}</li>`,
      );
    }
    parts.push("</ul>");
  }
  parts.push("</body>", "</html>", "");
  return parts.join("\n");
}
