/**
 * A running 64-bit hash of a trajectory (the idea of OMNeT++ fingerprints): every dispatched
 * event's (time, kind) and every random draw is folded in. Two runs with equal fingerprints took
 * the same path; a change that alters a trajectory changes it.
 *
 * Two 32-bit lanes updated with Math.imul keep it allocation-free (no BigInt on the hot path).
 * It detects change; it is not a cryptographic hash.
 */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const TWO_POW_32 = 4294967296;

export class Fingerprint {
  private h1 = 0x811c9dc5 | 0;
  private h2 = 0x01000193 | 0;

  /**
   * Folds two 32-bit words, one per lane, then cross-mixes the lanes. (h ^ w) * odd is a
   * bijection in w, so a changed word always changes the state at that step.
   */
  pair(a: number, b: number): void {
    const x = Math.imul(this.h1 ^ a, 0x9e3779b1);
    const y = Math.imul(this.h2 ^ b, 0x85ebca77);
    this.h1 = (((x << 13) | (x >>> 19)) + y) | 0;
    this.h2 = ((y << 17) | (y >>> 15)) ^ x;
  }

  /** Folds one 32-bit word. */
  word(w: number): void {
    this.pair(w, ~w);
  }

  /** Folds a dispatched event: its time (< 2^53 ns) and its kind id. */
  event(time: number, kindId: number): void {
    this.pair(time >>> 0, Math.imul((time / TWO_POW_32) >>> 0, 0x2545f491) ^ kindId);
  }

  /** Folds a non-negative integer below 2^53 (a time in ns, a count). */
  integer(n: number): void {
    this.pair(n >>> 0, (n / TWO_POW_32) >>> 0);
  }

  /** Folds the exact bits of a double (a random draw). */
  double(x: number): void {
    F64[0] = x;
    this.pair(U32[0]!, U32[1]!);
  }

  /** Folds a string once (used for names, not on hot paths). */
  string(s: string): void {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    this.word(s.length);
  }

  /** 16 lowercase hex digits. Does not change the state. */
  hex(): string {
    return hex32(fmix(this.h1 ^ this.h2)) + hex32(fmix(this.h2 + Math.imul(this.h1, 0x27d4eb2d)));
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}

/** A stable 32-bit id for a name (FNV-1a), used to fold event kinds by number. */
export function nameId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
