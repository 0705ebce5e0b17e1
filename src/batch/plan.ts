import { PROFILE_NAMES, type ProfileName } from "../model/profiles.js";
import { InputError } from "../scenario/errors.js";

/** What a batch runs: runs [from, to) of `runs`, each under every profile with seed baseSeed + run. */
export interface BatchPlan {
  readonly runs: number;
  readonly baseSeed: number;
  readonly profiles: readonly ProfileName[];
  /** 1-based shard index and shard count. */
  readonly shard: { readonly index: number; readonly count: number };
  readonly from: number;
  readonly to: number;
  /** windows.csv gets the windows of runs below this (Infinity: all). */
  readonly windowRuns: number;
}

export function seedOf(plan: Pick<BatchPlan, "baseSeed">, run: number): number {
  return plan.baseSeed + run;
}

/** --shard i/N: the i-th of N contiguous slices of the runs (1 <= i <= N). */
export function parseShard(s: string | undefined): { index: number; count: number } {
  if (s === undefined) return { index: 1, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (m === null) throw new InputError(`--shard: expected i/N such as 2/8, got "${s}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new InputError(`--shard ${s}: N must be at least 1`);
  if (index < 1 || index > count)
    throw new InputError(`--shard ${s}: i must be between 1 and ${count}`);
  return { index, count };
}

export function shardRange(
  runs: number,
  index: number,
  count: number,
): { from: number; to: number } {
  return {
    from: Math.floor(((index - 1) * runs) / count),
    to: Math.floor((index * runs) / count),
  };
}

export function parseProfiles(s: string | undefined): ProfileName[] {
  const list = (s ?? PROFILE_NAMES.join(",")).split(",").map((x) => x.trim());
  const out: ProfileName[] = [];
  for (const p of list) {
    if (!(PROFILE_NAMES as readonly string[]).includes(p)) {
      throw new InputError(
        `--profiles: unknown profile "${p}" (known: ${PROFILE_NAMES.join(", ")})`,
      );
    }
    if (out.includes(p as ProfileName)) throw new InputError(`--profiles: "${p}" is listed twice`);
    out.push(p as ProfileName);
  }
  if (out.length === 0) throw new InputError("--profiles: give at least one profile");
  return out;
}

export function parseCount(s: string | undefined, flag: string, min: number): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < min) {
    throw new InputError(`${flag}: must be a whole number >= ${min}, got "${s}"`);
  }
  return n;
}
