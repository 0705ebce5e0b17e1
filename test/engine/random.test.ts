import { describe, expect, it } from "vitest";
import { Fingerprint, RandomStreams } from "../../src/engine/index.js";

function draws(streams: RandomStreams, name: string, n: number): number[] {
  const s = streams.get(name);
  return Array.from({ length: n }, () => s.next());
}

describe("random streams", () => {
  it("gives the same draws for the same (seed, name)", () => {
    expect(draws(new RandomStreams(7), "traffic/v0", 50)).toEqual(
      draws(new RandomStreams(7), "traffic/v0", 50),
    );
  });

  it("differs across seeds and across names", () => {
    const a = draws(new RandomStreams(7), "traffic/v0", 10);
    expect(draws(new RandomStreams(8), "traffic/v0", 10)).not.toEqual(a);
    expect(draws(new RandomStreams(7), "traffic/v1", 10)).not.toEqual(a);
  });

  it("adding and using another stream leaves a stream's draws unchanged", () => {
    const alone = new RandomStreams(42);
    const expected = draws(alone, "traffic/v3", 100);

    const crowded = new RandomStreams(42);
    const other = crowded.get("its/latency");
    const s = crowded.get("traffic/v3");
    const got: number[] = [];
    for (let i = 0; i < 100; i++) {
      other.next();
      if (i % 3 === 0) crowded.get(`extra/${i}`).next();
      got.push(s.next());
    }
    expect(got).toEqual(expected);
  });

  it("draws 53-bit doubles in [0, 1)", () => {
    const s = new RandomStreams(1).get("bits");
    let fine = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = s.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(Number.isInteger(x * 2 ** 53)).toBe(true);
      // Bits below 2^-32 are in use (a 32-bit generator would leave them zero).
      if (!Number.isInteger(x * 2 ** 32)) fine++;
    }
    expect(fine).toBeGreaterThan(9_990);
  });

  it("is uniform enough: mean and variance of 100k draws", () => {
    const s = new RandomStreams(3).get("u");
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = s.next();
      sum += x;
      sq += x * x;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // sd of the mean = sqrt(1/12 / n) ~ 0.00091
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it("folds every draw into the fingerprint", () => {
    const fa = new Fingerprint();
    const fb = new Fingerprint();
    const a = new RandomStreams(1, fa).get("x");
    const b = new RandomStreams(1, fb).get("x");
    a.next();
    b.next();
    expect(fa.hex()).toBe(fb.hex());
    a.next();
    expect(fa.hex()).not.toBe(fb.hex());
  });
});

describe("the in-house Alea stepping", () => {
  it("gives seedrandom's alea().double() bit for bit", async () => {
    const { default: seedrandom } = await import("seedrandom");
    for (const seed of [0, 1, 42, "7", 123456789]) {
      for (const name of ["traffic/3/0", "its/latency", "", "timeline"]) {
        const ours = new RandomStreams(seed).get(name);
        const theirs = seedrandom.alea(`${seed}\u0000${name}`);
        for (let i = 0; i < 20_000; i++) expect(ours.next()).toBe(theirs.double());
      }
    }
  });
});
