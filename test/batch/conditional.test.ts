import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "../cli/helpers.js";

/** summary.csv as objects (no quoted commas in it). */
function summary(dir: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(join(dir, "summary.csv"), "utf8").trim().split("\n");
  const cols = head!.split(",");
  return rows.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i]!, v])));
}

function runsCsv(dir: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(join(dir, "runs.csv"), "utf8").trim().split("\n");
  const cols = head!.split(",");
  return rows.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i]!, v])));
}

// The MSI-X-disabled phase of single-vector-window is the ioctl cost: drawn here, so the
// windows vary from run to run and the conditional estimate has a real variance.
const RANDOM_WINDOW = (median: string) => [
  "--set",
  `params.host.cost.ioctl={"lognormal":{"median":"${median}","sigma":0.5}}`,
];

describe("conditional loss estimator in a batch", () => {
  const root = tempDir("msix-sim-cond-");

  it("agrees with plain counting where plain Monte Carlo is feasible: its mean inside the Wilson interval, the intervals overlap, its own narrower", () => {
    const out = join(root, "feasible");
    const r = cli([
      "batch",
      "--preset",
      "single-vector-window",
      ...RANDOM_WINDOW("50us"),
      "--profiles",
      "legacy,dyn",
      "--runs",
      "400",
      "--workers",
      "2",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [legacy, dyn] = summary(out);
    const n = (s: string | undefined) => Number(s);
    expect(n(legacy!.p_loss_conditional_runs)).toBe(400);
    const plain = n(legacy!.drop_rate);
    const cond = n(legacy!.p_loss_conditional_mean);
    expect(plain).toBeGreaterThan(0.3); // a point where counting works
    expect(cond).toBeGreaterThanOrEqual(n(legacy!.drop_rate_ci95_low));
    expect(cond).toBeLessThanOrEqual(n(legacy!.drop_rate_ci95_high));
    expect(n(legacy!.p_loss_conditional_ci95_high)).toBeGreaterThanOrEqual(
      n(legacy!.drop_rate_ci95_low),
    );
    expect(n(legacy!.p_loss_conditional_ci95_low)).toBeLessThanOrEqual(
      n(legacy!.drop_rate_ci95_high),
    );
    // The conditional interval is the narrower one.
    expect(
      n(legacy!.p_loss_conditional_ci95_high) - n(legacy!.p_loss_conditional_ci95_low),
    ).toBeLessThan(n(legacy!.drop_rate_ci95_high) - n(legacy!.drop_rate_ci95_low));
    // dyn has no window: both are exactly zero.
    expect(n(dyn!.drop_rate)).toBe(0);
    expect(n(dyn!.p_loss_conditional_mean)).toBe(0);
    // Per row: the exposed window is part of drop_window_total_ns, never more.
    for (const row of runsCsv(out)) {
      expect(n(row.exposed_window_ns)).toBeLessThanOrEqual(n(row.drop_window_total_ns));
    }
  });

  it("on a rare point (expected loss ~1e-5) reaches a relative half-width under 10% after 1,000 runs while counting sees nothing", () => {
    const out = join(root, "rare");
    const r = cli([
      "batch",
      "--preset",
      "single-vector-window",
      "--param",
      "rate=10",
      ...RANDOM_WINDOW("1us"),
      "--profiles",
      "legacy",
      "--runs",
      "1000",
      "--workers",
      "2",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [s] = summary(out);
    expect(Number(s!.runs_with_drops)).toBe(0);
    const mean = Number(s!.p_loss_conditional_mean);
    const half =
      (Number(s!.p_loss_conditional_ci95_high) - Number(s!.p_loss_conditional_ci95_low)) / 2;
    expect(half / mean).toBeLessThan(0.1);
    expect(half).toBeGreaterThan(0); // the windows vary: a real interval, not a constant
    // The closed form: one exposed window W ~ lognormal(1us, 0.5) at 10/s, so
    // P(loss) = 1 - E[exp(-10 W)] ~ 10 E[W] = 10 * 1us * exp(0.5^2 / 2).
    const closed = 10 * 1e-6 * Math.exp(0.125);
    expect(Number(s!.p_loss_conditional_ci95_low)).toBeLessThanOrEqual(closed);
    expect(Number(s!.p_loss_conditional_ci95_high)).toBeGreaterThanOrEqual(closed);
  });

  it("leaves the cells empty where a guest driver runs, and summary counts no contributing row", () => {
    const out = join(root, "driver");
    const r = cli([
      "batch",
      "--preset",
      "hns3-guest-flr",
      "--param",
      "nic_vectors=5",
      "--param",
      "roce_vectors=8",
      "--param",
      "traffic_after=200ms",
      "--set",
      "duration=6s",
      "--profiles",
      "legacy",
      "--runs",
      "2",
      "--workers",
      "1",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const row of runsCsv(out)) {
      expect(row.exposed_window_ns).toBe("");
      expect(row.p_loss_conditional).toBe("");
    }
    const [s] = summary(out);
    expect(s!.p_loss_conditional_runs).toBe("0");
    expect(s!.p_loss_conditional_mean).toBe("");
  });
});
