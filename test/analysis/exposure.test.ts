import { describe, expect, it } from "vitest";
import { ExposureCalculator, type ExposurePlan } from "../../src/analysis/exposure.js";
import { runRow } from "../../src/analysis/run-row.js";
import type { Window } from "../../src/analysis/windows.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/runner.js";

const win = (vector: number, start: number, end: number): Window => ({
  vector,
  start,
  end,
  cause: "msix-disabled",
});

const plan = (p: Partial<ExposurePlan>): ExposurePlan => ({
  invalid: null,
  poisson: [],
  other: [],
  ...p,
});

describe("conditional loss estimator (analysis/exposure.ts)", () => {
  it("counts only the part of a window during which the vector's Poisson traffic is on", () => {
    const c = new ExposureCalculator(
      plan({ poisson: [{ vector: 0, rate: 20_000, start: 1_000, stop: 60_000 }] }),
    );
    // [0, 50us) overlaps the traffic on [1us, 50us); vector 1 has no source.
    const e = c.of([win(0, 0, 50_000), win(1, 0, 50_000), win(0, 70_000, 80_000)]);
    expect(e).not.toBeNull();
    expect(e!.exposedNs).toBe(49_000);
    expect(e!.pLoss).toBe(-Math.expm1(-(20_000 / 1e9) * 49_000));
  });

  it("sums rates of sources on one vector, and exposure is the union of their intervals", () => {
    const c = new ExposureCalculator(
      plan({
        poisson: [
          { vector: 3, rate: 1_000, start: 0, stop: 30_000 },
          { vector: 3, rate: 3_000, start: 20_000, stop: 100_000 },
        ],
      }),
    );
    const e = c.of([win(3, 10_000, 40_000)])!;
    // Union [0, 100us) ∩ [10us, 40us) = 30us; x = 1e-6/ns * 20us + 3e-6/ns * 20us.
    expect(e.exposedNs).toBe(30_000);
    expect(e.pLoss).toBeCloseTo(-Math.expm1(-(1e-6 * 20_000 + 3e-6 * 20_000)), 15);
  });

  it("keeps full relative precision for tiny probabilities (expm1, not 1 - exp)", () => {
    const c = new ExposureCalculator(
      plan({ poisson: [{ vector: 0, rate: 1, start: 0, stop: 1e9 }] }),
    );
    const p = c.of([win(0, 0, 1)])!.pLoss; // lambda W = 1e-9
    const exact = 1e-9 - 1e-18 / 2;
    expect(Math.abs(p - exact) / exact).toBeLessThan(1e-12);
    // 1 - exp(-1e-9) would be off by about 1e-7 relative.
    expect(Math.abs(1 - Math.exp(-1e-9) - exact) / exact).toBeGreaterThan(1e-9);
  });

  it("is empty (null) when a window overlaps a source that is not plain Poisson, or the plan is invalid", () => {
    const p = plan({
      poisson: [{ vector: 0, rate: 100, start: 0, stop: 1e6 }],
      other: [{ vector: 1, start: 500_000, stop: 1e6 }],
    });
    const c = new ExposureCalculator(p);
    expect(c.of([win(1, 600_000, 700_000)])).toBeNull();
    // A window before the periodic source starts: it cannot lose anything there.
    expect(c.of([win(1, 100_000, 200_000), win(0, 0, 10)])).not.toBeNull();
    expect(new ExposureCalculator({ ...p, invalid: "a driver" }).of([])).toBeNull();
    expect(c.of([])).toEqual({ exposedNs: 0, pLoss: 0 });
  });

  it("single-vector-window: the exposed window is the MSI-X-disabled phase while traffic is on; drop_window_total_ns still counts every window", () => {
    const { prep } = resolveScenario({ preset: "single-vector-window" });
    const res = runScenario(prep, { profile: "legacy", seed: 3 });
    const row = runRow({ run: 0, ...res });
    expect(row.exposed_window_ns).toBe(50_000);
    expect(row.p_loss_conditional).toBe(-Math.expm1(-1));
    expect(Number(row.drop_window_total_ns)).toBeGreaterThan(50_000);
    const dyn = runRow({ run: 0, ...runScenario(prep, { profile: "dyn", seed: 3 }) });
    expect(dyn.exposed_window_ns).toBe(0);
    expect(dyn.p_loss_conditional).toBe(0);
  });

  it("rows are empty where the estimator is not valid: a guest driver runs, or a periodic source meets a window", () => {
    const { prep } = resolveScenario({
      preset: "hns3-guest-flr",
      params: ["nic_vectors=5", "roce_vectors=8", "traffic_after=200ms"],
      sets: ["duration=6s"],
    });
    expect(prep.exposure.plan.invalid).toMatch(/guest driver runs/);
    const row = runRow({ run: 0, ...runScenario(prep, { profile: "legacy", seed: 1 }) });
    expect(row.exposed_window_ns).toBeNull();
    expect(row.p_loss_conditional).toBeNull();

    const periodic = (stop: string) =>
      resolveScenario({
        preset: "single-vector-window",
        sets: [
          `traffic=[{"vectors":0,"start":"9500us","stop":"${stop}","periodic":{"period":"1us"}}]`,
        ],
      }).prep;
    const during = runScenario(periodic("12ms"), { profile: "legacy", seed: 1 });
    expect(during.record.irq.dropped).toBeGreaterThan(0);
    expect(runRow({ run: 0, ...during }).p_loss_conditional).toBeNull();
    const before = runScenario(periodic("9900us"), { profile: "legacy", seed: 1 });
    expect(before.record.irq.dropped).toBe(0);
    expect(runRow({ run: 0, ...before }).p_loss_conditional).toBe(0);
  });
});
