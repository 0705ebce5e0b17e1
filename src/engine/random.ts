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
  /**
   * Alea's state: three fractions s0, s1, s2 and a carry c. It is stepped here rather than
   * through seedrandom's closure, so that next() is small enough for V8 to inline and a draw
   * allocates nothing (a double returned from a call that is not inlined is boxed, and so is a
   * double stored in an object field; a Float64Array holds them raw). seedrandom still seeds
   * it, and the draws are seedrandom's own, bit for bit (test/engine/random.test.ts).
   */
  private state: Float64Array = UNSEEDED;
  /**
   * Seeding (hashing the key, and the state's array) is deferred to the first draw: a run
   * creates a stream for every queue and mechanism it might use, and in a short run most are
   * never drawn from. The draws depend on the key (run seed, name) alone, so when the seeding
   * happens changes nothing.
   */
  private runSeed: number | string | null;

  constructor(
    readonly name: string,
    runSeed: number | string,
    private readonly fingerprint: Fingerprint | null,
  ) {
    this.runSeed = runSeed;
  }

  private seed(runSeed: number | string): void {
    const key = `${runSeed}\u0000${this.name}`;
    const seeded = seedrandom.alea(key, { state: true }).state() as unknown as AleaState;
    this.state = new Float64Array(4);
    this.state[S0] = seeded.s0;
    this.state[S1] = seeded.s1;
    this.state[S2] = seeded.s2;
    this.state[C] = seeded.c;
    this.runSeed = null;
  }

  /** Uniform double in [0, 1) with 53 random bits; folded into the run fingerprint. */
  next(): number {
    if (this.runSeed !== null) this.seed(this.runSeed);
    // Two steps of Alea (Baagøe): t = 2091639 s0 + c 2^-32, then s0, s1, s2 = s1, s2, frac(t)
    // and c = floor(t); the two fractions are combined into 53 bits as seedrandom's double()
    // does. Written out, not as calls, so that the whole draw inlines.
    const s = this.state;
    const t1 = 2091639 * s[S0]! + s[C]! * 2.3283064365386963e-10; // 2^-32
    const c1 = t1 | 0;
    const hi = t1 - c1;
    const t2 = 2091639 * s[S1]! + c1 * 2.3283064365386963e-10;
    const c2 = t2 | 0;
    const lo = t2 - c2;
    s[S0] = s[S2]!;
    s[S1] = hi;
    s[S2] = lo;
    s[C] = c2;
    const x = hi + ((lo * 0x200000) | 0) * 1.1102230246251565e-16; // 2^-53
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

/** The state of every stream not drawn from yet (never written: seed() gives each its own). */
const UNSEEDED = new Float64Array(4);
const S0 = 0;
const S1 = 1;
const S2 = 2;
const C = 3;

/** seedrandom's Alea state, as its `state()` returns it. */
interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

/**
 * Every stream name this process has met, numbered in order of first use: a run keeps its
 * streams in an array indexed by that number instead of a Map of its own, which it would fill
 * (and grow, a few times) anew every run. The numbers never reach a draw or an output.
 */
const NAME_IDS = new Map<string, number>();

export class RandomStreams {
  private readonly byId: Array<RandomStream | undefined> = [];

  constructor(
    readonly seed: number | string,
    private readonly fingerprint: Fingerprint | null = null,
  ) {}

  /** The stream for `name`, created on first use. */
  get(name: string): RandomStream {
    let id = NAME_IDS.get(name);
    if (id === undefined) {
      id = NAME_IDS.size;
      NAME_IDS.set(name, id);
    }
    let s = this.byId[id];
    if (s === undefined) {
      s = new RandomStream(name, this.seed, this.fingerprint);
      this.byId[id] = s;
    }
    return s;
  }
}

/**
 * Names of a family of streams indexed by a number (a queue's, a vector's), each string built
 * once per process: a name made anew for every run is hashed anew at every lookup.
 */
export class IndexedStreamNames {
  private readonly names: string[] = [];

  constructor(private readonly make: (i: number) => string) {}

  at(i: number): string {
    let name = this.names[i];
    if (name === undefined) {
      name = this.make(i);
      this.names[i] = name;
    }
    return name;
  }
}
