import seedrandom from "seedrandom";
import type { Fingerprint } from "./fingerprint.js";

/**
 * Named random streams. Each stream is seeded from (run seed, stream name) alone, so creating,
 * using or dropping one stream never changes another's draws. That is what gives common random
 * numbers: two behaviour profiles run on one seed see the same traffic because traffic draws
 * come from streams that nothing else touches.
 *
 * Generator: seedrandom's Alea (Baagøe), which its author reports passes TestU01 BigCrush,
 * seeds cheaply from a string (a run creates dozens of streams) and gives 53-bit doubles
 * through `double()`.
 */
export class RandomStream {
  private readonly prng: seedrandom.PRNG;

  constructor(
    readonly name: string,
    seedKey: string,
    private readonly fingerprint: Fingerprint | null,
  ) {
    this.prng = seedrandom.alea(seedKey);
  }

  /** Uniform double in [0, 1) with 53 random bits; folded into the run fingerprint. */
  next(): number {
    const x = this.prng.double();
    if (this.fingerprint !== null) this.fingerprint.double(x);
    return x;
  }

  /** Exponential with the given mean; 1 - u keeps the argument of log in (0, 1]. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();

  constructor(
    readonly seed: number | string,
    private readonly fingerprint: Fingerprint | null = null,
  ) {}

  /** The stream for `name`, created on first use. */
  get(name: string): RandomStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new RandomStream(name, `${this.seed}\u0000${name}`, this.fingerprint);
      this.streams.set(name, s);
    }
    return s;
  }

  /** Names of the streams created so far, in creation order. */
  names(): string[] {
    return [...this.streams.keys()];
  }
}
