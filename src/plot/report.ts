import type { ShortTable } from "./summary-table.js";

/**
 * One section of the report: a plot (its SVG inline, and the names of its files), or a line of
 * text where a plot would say nothing (every value zero).
 */
export interface Figure {
  name: string;
  heading: string;
  svg?: string;
  text?: string;
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
  summary: ShortTable;
  /** The full summary.csv, relative to the report, and its number of columns. */
  fullSummary: { href: string; columns: number };
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

function tableHtml(t: ShortTable): string {
  const head = t.headers
    .map((h) => `<th title="${escapeHtml(h.title)}">${escapeHtml(h.text)}</th>`)
    .join("");
  const body = t.rows
    .map((row) => {
      const cells = row.map((c) => {
        const title = c.title ? ` title="${escapeHtml(c.title)}"` : "";
        const sub = c.sub ? `<br><small>${escapeHtml(c.sub)}</small>` : "";
        return `<td${c.numeric ? ' class="n"' : ""}${title}>${escapeHtml(c.text)}${sub}</td>`;
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
th,td{border:1px solid #ddd;padding:3px 6px;white-space:nowrap}
th{background:#f0f0f0;text-align:left;white-space:normal;vertical-align:bottom;max-width:9em}
td.n{text-align:right;font-variant-numeric:tabular-nums}td small{color:#666}figure{margin:12px 0}
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
    `<p class="meta">Counts with their rate, the 95% interval under them; hover a header for its meaning. Every column (${r.fullSummary.columns}): <a href="${escapeHtml(r.fullSummary.href)}">summary.csv</a>.</p>`,
    tableHtml(r.summary),
    ...r.summary.notes.map((n) => `<p class="meta">${escapeHtml(n)}</p>`),
  );
  for (const f of r.figures) {
    parts.push(`<h2>${escapeHtml(f.heading)}</h2>`);
    if (f.svg === undefined) {
      parts.push(`<p id="${escapeHtml(f.name)}">${escapeHtml(f.text ?? "")}</p>`);
      continue;
    }
    parts.push(
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
