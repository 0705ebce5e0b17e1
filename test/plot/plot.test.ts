import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plotResults } from "../../src/plot/plot.js";
import { InputError } from "../../src/scenario/errors.js";
import { CLI, plotCli, runCli, snapshot, svgTexts, tempDir, xmlProblem } from "./helpers.js";

/** No run of the fixtures has a link failure: the failure rate is a line of text. */
const BATCH_PLOTS = ["outcomes", "loss-rate", "drop-windows", "cycle-windows"];
const POINT_PLOTS = BATCH_PLOTS;
const PROFILES = ["legacy", "noresize", "dyn", "dyn-small-itt"];

let batch: string;
let experiment: string;

beforeAll(() => {
  const root = tempDir();
  batch = join(root, "batch");
  // cycles.csv, like windows.csv, holds the runs below --window-runs.
  runCli([
    "batch",
    "--preset",
    "hns3-roce-load",
    "--param",
    "duration=20s",
    "--runs",
    "6",
    "--out",
    batch,
    "--quiet",
  ]);
  // A small closed-form sweep: two grid columns (rate on x, one panel per window) and the
  // expected_drop_rate column.
  const file = join(root, "exp.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "plot-test",
      description: "plot test sweep",
      preset: "single-vector-window",
      grid: { rate: [2000, 50000], window: ["50us", "200us"] },
      profiles: ["legacy", "dyn"],
      runs: 8,
      windowRuns: 1,
      check: "closed-form",
    }),
  );
  experiment = join(root, "exp");
  runCli(["experiment", file, "--out", experiment, "--quiet"]);
});

function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), "utf8");
}

describe("msix-sim plot: batch folder", () => {
  let out: string;
  beforeAll(async () => {
    out = join(tempDir(), "plots");
    await plotResults(batch, { out });
  });

  it("writes an SVG that parses as XML and its Vega-Lite spec for every plot", () => {
    for (const name of BATCH_PLOTS) {
      const svg = read(out, `${name}.svg`);
      expect(xmlProblem(svg), name).toBeNull();
      expect(svg.startsWith("<svg")).toBe(true);
      const spec = JSON.parse(read(out, `${name}.vl.json`));
      expect(spec.$schema).toBe("https://vega.github.io/schema/vega-lite/v6.json");
      expect(spec.data.values.length).toBeGreaterThan(0);
    }
  });

  it("loss and failure rates: points, interval bars, labels, readable axis titles; no failure is one line", () => {
    const svg = read(out, "loss-rate.svg");
    const texts = svgTexts(svg);
    expect(texts).toContain("loss probability (runs with a dropped interrupt)");
    // Ticks every 20%: eleven labels crowded each other ("90%100%").
    expect(texts.filter((t) => /^\d+%$/.test(t))).toEqual([
      "0%",
      "20%",
      "40%",
      "60%",
      "80%",
      "100%",
    ]);
    expect(texts).toContain("profile");
    for (const p of PROFILES) expect(texts).toContain(p);
    expect(svg).toContain('class="mark-symbol role-mark');
    expect(svg).toContain('class="mark-rule role-mark');
    expect(texts.some((t) => /^\d+\/6 lost an interrupt$/.test(t))).toBe(true);
    const spec = JSON.parse(read(out, "loss-rate.vl.json"));
    const summary = read(batch, "summary.csv").trim().split("\n");
    const cols = summary[0]!.split(",");
    for (const line of summary.slice(1)) {
      const row = Object.fromEntries(line.split(",").map((v, i) => [cols[i], v]));
      const d = spec.data.values.find((v: { profile: string }) => v.profile === row.profile);
      expect(d.high).toBeCloseTo(Number(row.drop_rate_ci95_high), 8);
      expect(row.link_failures).toBe("0");
    }
    // No link failure anywhere: a line saying so (with the exact bound), not a chart of zeros.
    expect(existsSync(join(out, "failure-rate.svg"))).toBe(false);
    expect(read(out, "index.html")).toContain(
      '<p id="failure-rate">No link failure in any run of any profile (exact one-sided 95% upper bound of the failure rate: at most 39.3%).</p>',
    );
  });

  it("drop windows: ECDF lines on a log time axis", () => {
    const svg = read(out, "drop-windows.svg");
    const texts = svgTexts(svg);
    expect(texts.some((t) => /^drop window per run \(total, (ns|µs|ms|s)\)$/.test(t))).toBe(true);
    expect(texts).toContain("fraction of runs with total ≤ x");
    expect(svg).toContain('class="mark-line role-mark');
    const spec = JSON.parse(read(out, "drop-windows.vl.json"));
    expect(spec.encoding.x.scale.type).toBe("log");
    expect(spec.data.values.every((d: { total: number }) => d.total > 0)).toBe(true);
    // dyn never drops here: named in the subtitle, no line.
    expect(spec.title.subtitle.join(" ")).toMatch(/no drop window in any run: .*dyn/);
  });

  it("cycle windows: mean drop window per resize cycle against active vectors", () => {
    const svg = read(out, "cycle-windows.svg");
    const texts = svgTexts(svg);
    expect(texts).toContain("active vectors (at the start of the cycle)");
    expect(texts.some((t) => /^mean drop window per resize cycle \((ns|µs|ms|s)\)$/.test(t))).toBe(
      true,
    );
    expect(svg).toContain('class="mark-symbol role-mark');
    const spec = JSON.parse(read(out, "cycle-windows.vl.json"));
    const legacy = spec.data.values.filter((d: { profile: string }) => d.profile === "legacy");
    expect(legacy.length).toBeGreaterThan(1);
  });

  it("index.html is self-contained: title, summary table, the SVGs inline, unique ids", () => {
    const html = read(out, "index.html");
    expect(html).toContain("<title>msix-sim batch: preset hns3-roce-load</title>");
    expect(html).toContain("6 runs per profile (seeds 1..6)");
    expect(html).toContain("<table>");
    // A short table with plain headers; the full CSV a link away.
    const headers = [...html.matchAll(/<th title="[^"]*">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual([
      "profile",
      "runs",
      "link failed",
      "setup failed",
      "lost an interrupt",
      "mean drops",
      "drop window per run",
      "resize cycles",
      "port resets",
    ]);
    expect(html).toContain(
      "No run had a failed reset, a RoCE failure, a stalled queue or an incomplete run.",
    );
    const href = /<a href="([^"]+)">summary\.csv<\/a>/.exec(html)![1]!;
    expect(resolve(out, decodeURI(href))).toBe(join(batch, "summary.csv"));
    for (const p of PROFILES) expect(html).toContain(`<td>${p}</td>`);
    expect(html.match(/<svg /g)?.length).toBe(BATCH_PLOTS.length);
    expect(html).not.toMatch(/<script|<link|src=|href="http/);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is deterministic: the same folder gives byte-identical files", async () => {
    const again = join(tempDir(), "plots");
    await plotResults(batch, { out: again });
    const a = snapshot(out);
    const b = snapshot(again);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
  });

  it("writes into the folder itself by default; without cycles.csv it notes the missing plot", async () => {
    const copy = join(tempDir(), "copy");
    cpSync(batch, copy, { recursive: true });
    rmSync(join(copy, "cycles.csv"));
    const res = await plotResults(copy);
    expect(res.out).toBe(copy);
    expect(existsSync(join(copy, "index.html"))).toBe(true);
    expect(existsSync(join(copy, "cycle-windows.svg"))).toBe(false);
    expect(res.notes.join("\n")).toContain("no cycles.csv");
    expect(read(copy, "index.html")).toContain("no cycles.csv");
  });
});

describe("msix-sim plot: experiment folder", () => {
  let out: string;
  beforeAll(async () => {
    out = join(tempDir(), "plots");
    await plotResults(experiment, { out });
  });

  it("sweep: loss probability against the swept parameter, with bands, units and the expected rate; all-zero panels left out", () => {
    const svg = read(out, "sweep.svg");
    expect(xmlProblem(svg)).toBeNull();
    const texts = svgTexts(svg);
    expect(texts).toContain("loss probability (runs with a dropped interrupt)");
    expect(texts).toContain("rate (per second, log scale)");
    // No failure and no port reset anywhere: said once instead of two flat panels.
    expect(texts).not.toContain("failure probability (link failed)");
    const sweep = JSON.parse(read(out, "sweep.vl.json"));
    expect(sweep.vconcat).toHaveLength(1);
    expect(sweep.title.subtitle).toContain(
      "link failure and port reset: 0 at every point for every profile (not drawn)",
    );
    expect(texts).toContain("window=50us");
    expect(svg).toContain('class="mark-area role-mark');
    expect(svg).toContain('class="mark-line role-mark');
    expect(svg).toContain("stroke-dasharray");
    const spec = JSON.parse(read(out, "sweep.vl.json"));
    const drop = spec.vconcat[0].data.values;
    // The closed form applies to legacy, not to dyn (no teardown).
    expect(
      drop.some(
        (d: { profile: string; expected: number | null }) =>
          d.profile === "legacy" && d.expected! > 0,
      ),
    ).toBe(true);
    expect(
      drop
        .filter((d: { profile: string }) => d.profile === "dyn")
        .every((d: { expected: unknown }) => d.expected === null),
    ).toBe(true);
  });

  it("failure rate per grid point: one line of text when no run failed", () => {
    expect(existsSync(join(out, "failure-rate.svg"))).toBe(false);
    expect(read(out, "index.html")).toMatch(
      /<h2>Link failure rate<\/h2>\n<p id="failure-rate">No link failure in any run at any grid point, under any profile \(exact one-sided 95% upper bound of the failure rate: at most 31\.2%\)\.<\/p>/,
    );
  });

  it("index.html: the combined table and links to every grid point's own report", () => {
    const html = read(out, "index.html");
    expect(html).toContain("<title>msix-sim experiment: plot-test</title>");
    expect(html).toContain("plot test sweep");
    expect(html).toContain(
      '<th title="grid: rate">rate (/s)</th><th title="grid: window">window</th><th title="host/QEMU behaviour profile">profile</th>',
    );
    expect(html).toContain(">expected (closed form)</th>");
    const links = [...html.matchAll(/<a href="([^"]+\/index\.html)">/g)].map((m) => m[1]!);
    expect(links).toHaveLength(4);
    for (const l of links) {
      const page = join(out, decodeURI(l));
      expect(existsSync(page), l).toBe(true);
      const sub = readFileSync(page, "utf8");
      expect(sub).toContain('<a href="../index.html">experiment report</a>');
      for (const name of POINT_PLOTS) {
        expect(xmlProblem(readFileSync(join(page, "..", `${name}.svg`), "utf8"))).toBeNull();
      }
    }
  });
});

describe("msix-sim plot: bad input", () => {
  it("a missing, empty or summary-less folder is an InputError naming the folder", async () => {
    const root = tempDir();
    const missing = join(root, "missing");
    await expect(plotResults(missing)).rejects.toThrow(InputError);
    await expect(plotResults(missing)).rejects.toThrow(`${missing} does not exist`);
    const empty = join(root, "empty");
    mkdirSync(empty);
    await expect(plotResults(empty)).rejects.toThrow(`${empty} is empty`);
    const noSummary = join(root, "nosummary");
    mkdirSync(noSummary);
    writeFileSync(join(noSummary, "runs.csv"), "run,seed\n");
    await expect(plotResults(noSummary)).rejects.toThrow(`${noSummary} has no summary.csv`);
    const noRuns = join(root, "noruns");
    mkdirSync(noRuns);
    cpSync(join(batch, "summary.csv"), join(noRuns, "summary.csv"));
    await expect(plotResults(noRuns)).rejects.toThrow(`${noRuns} has no runs.csv`);
  });

  it("the CLI prints the error and exits 2", () => {
    const empty = tempDir();
    const r = plotCli([empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`msix-sim: results folder ${empty} is empty`);
    expect(r.stderr).toContain("summary.csv");
    const missing = join(empty, "nope");
    const m = plotCli([missing]);
    expect(m.status).toBe(2);
    expect(m.stderr).toContain(`${missing} does not exist`);
  });

  it("a write that fails half-way (file size limit) exits 2 naming the file; no temporary or torn file", () => {
    const out = join(tempDir(), "o");
    const r = spawnSync(
      "sh",
      ["-c", `ulimit -f 16; exec "${process.execPath}" "${CLI}" plot "${batch}" --out "${out}"`],
      { encoding: "utf8" },
    );
    expect(r.stderr).toMatch(
      /^msix-sim: cannot write .*\.(svg|json|html): EFBIG \(file too large\)\n$/,
    );
    expect(r.status).toBe(2);
    for (const f of readdirSync(out)) {
      expect(f).not.toMatch(/\.tmp-/);
      // Every file that is there is whole: SVGs parse, specs are JSON.
      const text = read(out, f);
      if (f.endsWith(".svg")) expect(xmlProblem(text), f).toBeNull();
      if (f.endsWith(".json")) expect(() => JSON.parse(text), f).not.toThrow();
    }
  });

  it("the CLI plots a batch folder into --out and says what it wrote", () => {
    const out = join(tempDir(), "o");
    const r = plotCli([batch, "--out", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}/index.html and 4 plots`);
    expect(existsSync(join(out, "drop-windows.svg"))).toBe(true);
  });
});
