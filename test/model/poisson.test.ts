import { describe, expect, it } from "vitest";
import { MS, S, sleep, US } from "../../src/engine/index.js";
import { resolveModelParams } from "../../src/model/params.js";
import { simulate } from "../../src/run/simulate.js";
import { zeroCosts } from "./helpers.js";

/**
 * The closed-form check of MODEL.md section 8: Poisson traffic at rate λ on one vector across a
 * deterministic drop window of length W gives Poisson(λW) drops: mean λW, P(>=1) = 1 - e^(-λW).
 * One teardown cycle (legacy, vector 1 unmasked after vector 0) with every latency zero except
 * the VFIO ioctl, which makes the MSI-X-disabled phase exactly W long; pending bits survive the
 * disable, so the masked phases defer and only the disabled phase drops.
 */
function runs(ratePerS: number, windowNs: number, n: number) {
  const params = resolveModelParams(zeroCosts({ ioctl: `${windowNs}ns` }));
  const drops: number[] = [];
  let measuredWindow = -1;
  for (let seed = 0; seed < n; seed++) {
    const r = simulate({
      profile: "legacy",
      seed,
      until: 13 * MS,
      params,
      traffic: [{ vectors: 0, start: "9500us", stop: "12ms", poisson: { rate: ratePerS } }],
      script: function* (m) {
        yield* m.guest.enable(16);
        yield* m.guest.unmask(0);
        yield sleep(10 * MS - m.sim.now);
        yield* m.guest.unmask(1);
      },
    });
    // Vector 0's own first unmask was a cycle too (before any traffic): look after 9.5 ms.
    const w = r.windows.filter((x) => x.vector === 0 && x.start >= 9.5 * MS);
    const total = w.reduce((s, x) => s + (x.end - x.start), 0);
    if (measuredWindow < 0) measuredWindow = total;
    expect(total).toBe(measuredWindow); // deterministic: the same for every seed
    expect(w.every((x) => x.cause === "msix-disabled")).toBe(true);
    drops.push(r.record.vectors.find((v) => v.vector === 0)?.dropped ?? 0);
  }
  return { drops, measuredWindow };
}

describe("Poisson traffic across a deterministic window (closed form)", () => {
  const cases: Array<[number, number]> = [
    [20_000, 50 * US], // λW = 1
    [100_000, 5 * US], // λW = 0.5
    [5_000, 400 * US], // λW = 2
  ];
  for (const [rate, window] of cases) {
    it(`rate ${rate}/s, window ${window / US} us: mean drops = λW and P(>=1) = 1 - e^-λW within 4 SE`, () => {
      const n = 2000;
      const { drops, measuredWindow } = runs(rate, window, n);
      expect(measuredWindow).toBe(window);
      const lw = (rate * window) / S;
      const mean = drops.reduce((a, b) => a + b, 0) / n;
      const seMean = Math.sqrt(lw / n);
      expect(Math.abs(mean - lw)).toBeLessThan(4 * seMean);
      const p = 1 - Math.exp(-lw);
      const pHat = drops.filter((d) => d > 0).length / n;
      expect(Math.abs(pHat - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    });
  }
});
