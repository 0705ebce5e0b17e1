import { describe, expect, it } from "vitest";
import {
  type Evaluation,
  gridValues,
  midpoint,
  observedOf,
  type SearchAxis,
  search1,
} from "../../src/fit/search.js";

const axis = (lo: number, hi: number, log: boolean): SearchAxis => ({
  lo,
  hi,
  log,
  round: (x) => Number(x.toPrecision(6)),
});

/**
 * A synthetic evaluator: k = round(p(x) * n), the expected count without noise, so the answer
 * is known; it also records every value asked for.
 */
function exactEvaluator(p: (x: number) => number, n: number) {
  const asked: number[] = [];
  const evaluate = async (v: readonly number[]): Promise<Evaluation> => {
    asked.push(v[0]!);
    return { k: Math.round(p(v[0]!) * n), n };
  };
  return { evaluate, asked };
}

describe("grid and midpoints", () => {
  it("log grids are geometric, linear grids even, ends exact", () => {
    expect(gridValues(axis(1, 1e6, true), 7)).toEqual([1, 10, 100, 1000, 10000, 100000, 1e6]);
    expect(gridValues(axis(0, 60, false), 7)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(midpoint(axis(10, 1000, true), 10, 1000)).toBe(100);
    expect(midpoint(axis(0, 10, false), 0, 10)).toBe(5);
  });

  it("a midpoint that rounds onto an end is none", () => {
    const ints: SearchAxis = { lo: 1, hi: 2, log: false, round: Math.round };
    expect(midpoint(ints, 1, 2)).toBeNull();
  });
});

describe("search1 on a monotone curve", () => {
  // P = 1 - exp(-x / 1000): the observed 3/100 is reached at x = -1000 ln(0.97) = 30.46.
  const p = (x: number) => 1 - Math.exp(-x / 1000);
  const truth = -1000 * Math.log(0.97);

  it("brackets, bisects and interpolates on a log axis", async () => {
    const { evaluate, asked } = exactEvaluator(p, 20_000);
    const r = await search1(axis(1, 1e5, true), observedOf(3, 100), evaluate, "x");
    expect(r.status).toBe("ok");
    expect(r.direction).toBe("increasing");
    expect(r.estimate).not.toBeNull();
    expect(Math.abs(r.estimate! - truth) / truth).toBeLessThan(0.03);
    // The consistent range holds the answer and stays within the values where P lies in the
    // observed interval [0.0062, 0.0852] (x from 6.2 to 89).
    expect(r.low!).toBeLessThan(truth);
    expect(r.high!).toBeGreaterThan(truth);
    expect(r.low!).toBeGreaterThan(3);
    expect(r.high!).toBeLessThan(120);
    expect(r.lowAtEdge || r.highAtEdge).toBe(false);
    // 7 grid points, 4 bisections, 2 at each edge at most.
    expect(asked.length).toBeGreaterThan(7);
    expect(asked.length).toBeLessThanOrEqual(15);
    expect(new Set(asked).size).toBe(asked.length);
    expect(r.points.map((q) => q.values[0])).toEqual([...asked].sort((a, b) => a - b));
  });

  it("works on a decreasing curve too", async () => {
    const { evaluate } = exactEvaluator((x) => p(1e5 / x), 20_000);
    const r = await search1(axis(1, 1e5, true), observedOf(3, 100), evaluate, "x");
    expect(r.status).toBe("ok");
    expect(r.direction).toBe("decreasing");
    const want = 1e5 / truth;
    expect(Math.abs(r.estimate! - want) / want).toBeLessThan(0.03);
  });

  it("says where the observed rate lies when the range does not reach it", async () => {
    const { evaluate } = exactEvaluator(p, 20_000);
    const r = await search1(axis(100, 1e5, true), observedOf(3, 100), evaluate, "x");
    expect(r.status).toBe("not_bracketed");
    expect(r.estimate).toBeNull();
    expect(r.position).toBe("below");
    expect(r.message).toMatch(/lies below every simulated rate/);
    const up = await search1(axis(0.01, 1, true), observedOf(3, 100), evaluate, "x");
    expect(up.status).toBe("not_bracketed");
    expect(up.position).toBe("above");
  });

  it("reports a flat curve as no effect", async () => {
    const { evaluate } = exactEvaluator(() => 0.05, 200);
    const r = await search1(axis(1, 10, false), observedOf(3, 100), evaluate, "x");
    expect(r.status).toBe("no_effect");
    expect(r.message).toMatch(/x has no effect over 1\.\.10/);
  });
});

describe("search1 on a non-monotone curve", () => {
  it("detects the turn and does not bisect", async () => {
    // A bump: 0.01 at the ends, 0.5 in the middle; 3/100 is crossed twice.
    const bump = (x: number) => 0.01 + 0.49 * Math.exp(-(((x - 50) / 15) ** 2));
    const { evaluate, asked } = exactEvaluator(bump, 2000);
    const r = await search1(axis(0, 100, false), observedOf(3, 100), evaluate, "x");
    expect(r.status).toBe("non_monotone");
    expect(r.estimate).toBeNull();
    expect(r.rise).not.toBeNull();
    expect(r.fall).not.toBeNull();
    expect(r.rise![0]).toBeLessThan(r.rise![1]);
    expect(r.message).toMatch(/not monotone/);
    expect(asked.length).toBe(7);
  });

  it("does not call noise a turn", async () => {
    // Increasing with a small dip that no pair of 95% intervals can tell apart.
    const wobbly = (x: number) => Math.min(1, x / 100) + (x === 50 ? -0.01 : 0);
    const { evaluate } = exactEvaluator(wobbly, 300);
    const r = await search1(axis(0, 60, false), observedOf(30, 100), evaluate, "x");
    expect(r.status).toBe("ok");
    expect(r.direction).toBe("increasing");
  });
});

describe("search1 warnings", () => {
  it("flags a rise against a decreasing trend that the interval test cannot call, and a gap", async () => {
    // Counts of 40 runs as measured with too few runs on a curve that rises, then falls to 0
    // (hns3-guest-flr, not_ok against tx_pps): 3/40 -> 10/40 is not significant by intervals.
    const grid = axis(0, 60, false);
    const g = gridValues(grid, 7);
    const counts = [3, 4, 4, 10, 0, 0, 0];
    const evaluate = async (v: readonly number[]): Promise<Evaluation> => {
      const i = g.indexOf(v[0]!);
      return { k: i >= 0 ? counts[i]! : 0, n: 40 };
    };
    const r = await search1(grid, observedOf(3, 100), evaluate, "tx_pps", {
      refineSteps: 0,
      edgeSteps: 0,
    });
    expect(r.status).toBe("ok");
    expect(r.direction).toBe("decreasing");
    expect(
      r.warnings.some((w) => /rises from tx_pps=0 .* against the decreasing trend/.test(w)),
    ).toBe(true);
    expect(r.warnings.some((w) => /not contiguous: tx_pps=30 \(0\.25\)/.test(w))).toBe(true);
  });

  it("says nothing on a clean monotone curve", async () => {
    const { evaluate } = exactEvaluator((x) => 1 - Math.exp(-x / 1000), 20_000);
    const r = await search1(axis(1, 1e5, true), observedOf(3, 100), evaluate, "x");
    expect(r.warnings).toEqual([]);
  });
});
