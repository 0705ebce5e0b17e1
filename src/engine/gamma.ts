import type { RandomStream } from "./random.js";

/**
 * A Gamma(shape, scale) draw: the time of the shape-th arrival of a Poisson process with mean
 * gap `scale` (for an integer shape), in one draw instead of `shape`. Marsaglia and Tsang's
 * method ("A simple method for generating gamma variables", ACM TOMS 2000) for shape >= 1, with
 * the standard boost U^(1/shape) below 1. The normal deviate is Box-Muller's.
 */
export function gammaSample(rng: RandomStream, shape: number, scale: number): number {
  if (!(shape > 0 && scale > 0))
    throw new RangeError(`gamma: shape ${shape} and scale ${scale} must be > 0`);
  if (shape < 1) {
    const u = 1 - rng.next();
    return gammaSample(rng, shape + 1, scale) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

function normal(rng: RandomStream): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
