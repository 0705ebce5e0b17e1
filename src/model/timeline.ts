import type { Time } from "../engine/index.js";
import { LPI_BASE } from "./host/its-driver.js";

/**
 * The control-plane state each layer exposes to an interrupt, recorded as right-continuous step
 * functions (a change at t is in force for an interrupt raised at t: data-path events run at
 * Priority.LATE, after every control change of their instant). Drop and defer windows are
 * computed from this record alone (src/analysis/windows.ts), independently of the per-interrupt
 * simulation, so each can check the other.
 */
export const Track = {
  /** Physical function MSI-X Enable (0/1). One track for the function. */
  ENABLE: 0,
  /** Physical function Function Mask (0/1). */
  FMASK: 1,
  /** Per vector: table entry Mask bit (0/1). */
  MASK: 2,
  /** Per vector: translation of the entry's message at the ITS: an LPI number, or -cause. */
  XLATE: 3,
  /** Per LPI: enabled in the LPI property table (0/1). */
  LPI_ENABLED: 4,
  /** Per LPI: DISCARD executed (an event: clears a pending LPI). */
  LPI_DISCARD: 5,
  /** Per LPI: host handler state: 0 none, 1 eventfd to KVM, 2 eventfd to QEMU. */
  HOST: 6,
  /** Per vector: QEMU's emulated view: 0 unused, 1 masked, 2 unmasked (the guest expects delivery). */
  GUEST: 7,
  /** The function's pending bits were cleared (Enable cleared without PBA survival, or FLR). */
  PBA_CLEAR: 8,
  /** Per vector: QEMU's emulated pending bit was cleared (vector unused, or device reset). */
  QEMU_PBA_CLEAR: 9,
} as const;
export type TrackKind = (typeof Track)[keyof typeof Track];

export const HostRoute = { NONE: 0, KVM: 1, QEMU: 2 } as const;
export const GuestView = { UNUSED: 0, MASKED: 1, UNMASKED: 2 } as const;
/** XLATE value of an entry whose message is all-zero (written by msi_domain_deactivate). */
export const XLATE_NO_MESSAGE = -100;

const KINDS = Object.keys(Track).length;

/** A number per track kind: `fill`, except the kinds given. */
function perKind(fill: number, except: Partial<Record<TrackKind, number>>): readonly number[] {
  return Array.from({ length: KINDS }, (_, k) => except[k as TrackKind] ?? fill);
}

/**
 * The first index of each kind's tracks: per-LPI tracks start at the first LPI (LPI_BASE), so
 * that each kind's tracks sit in a dense array from 0.
 */
const TRACK_BASE = perKind(0, {
  [Track.LPI_ENABLED]: LPI_BASE,
  [Track.LPI_DISCARD]: LPI_BASE,
  [Track.HOST]: LPI_BASE,
});

/**
 * Per kind, the value its tracks hold before their first change where every reader of the
 * timeline assumes it (src/analysis/windows.ts): a table entry's Mask bit is 1 after reset (PCI
 * spec), and QEMU's view of a vector starts unused. A set to that value on a track that has no
 * change records nothing: enabling MSI-X masks every entry of the table and publishes QEMU's
 * view of every entry, and most of them never change again. NaN: every first set is recorded.
 */
const INITIAL = perKind(Number.NaN, { [Track.MASK]: 1, [Track.GUEST]: GuestView.UNUSED });

export interface StepFunction {
  readonly times: number[];
  readonly values: number[];
}

/**
 * `n` empty arrays, by a plain loop: `Array.from({ length }, f)` takes V8's generic path, ~1.5 µs
 * for ten arrays against ~0.1 µs (measured), and every run builds a timeline.
 */
function emptyLists(n: number): Array<Array<StepFunction | undefined>> {
  const out: Array<Array<StepFunction | undefined>> = [];
  for (let k = 0; k < n; k++) out.push([]);
  return out;
}

export class Timeline {
  /**
   * Per kind, its tracks by index (less the kind's base). Arrays, not one Map keyed by
   * (kind, index): a run creates a few hundred tracks, and growing and probing a Map was 5% of a
   * short run.
   */
  private readonly tracks: Array<Array<StepFunction | undefined>> = emptyLists(KINDS);

  /** Sets a track's value from time t on; a repeat of the current value is not a change. */
  set(kind: TrackKind, index: number, t: Time, value: number): void {
    const byIndex = this.tracks[kind]!;
    const i = index - TRACK_BASE[kind]!;
    const f = byIndex[i];
    if (f === undefined) {
      if (value === INITIAL[kind]) return;
      // Literal one-element arrays: most tracks (one per table entry and layer) change only a
      // few times, and an empty array's first push reserves room for 17.
      byIndex[i] = { times: [t], values: [value] };
      return;
    }
    const n = f.times.length;
    if (n > 0) {
      if (f.values[n - 1] === value) return;
      if (f.times[n - 1] === t) {
        // Several changes in one instant: only the last is seen by data-path events.
        f.values[n - 1] = value;
        if (n > 1 ? f.values[n - 2] === value : value === INITIAL[kind]) {
          f.times.pop();
          f.values.pop();
        }
        return;
      }
    } else if (value === INITIAL[kind]) return;
    f.times.push(t);
    f.values.push(value);
  }

  /** Records an event (e.g. a DISCARD) at time t. */
  mark(kind: TrackKind, index: number, t: Time): void {
    const byIndex = this.tracks[kind]!;
    const i = index - TRACK_BASE[kind]!;
    const f = byIndex[i];
    if (f === undefined) {
      byIndex[i] = { times: [t], values: [1] };
      return;
    }
    f.times.push(t);
    f.values.push(1);
  }

  get(kind: TrackKind, index: number): StepFunction | undefined {
    return this.tracks[kind]![index - TRACK_BASE[kind]!];
  }

  /** Value in force at time t (after every change at t), or `initial` before the first change. */
  valueAt(kind: TrackKind, index: number, t: Time, initial: number): number {
    const f = this.get(kind, index);
    if (f === undefined) return initial;
    const i = lastAtOrBefore(f.times, t);
    return i < 0 ? initial : f.values[i]!;
  }
}

/**
 * Index of the last element <= t in a non-decreasing array, or -1. With `lo`/`hi`, searches only
 * times[lo..hi] (the caller knows the answer lies there) and returns lo - 1 when none is <= t.
 */
export function lastAtOrBefore(
  times: ArrayLike<number>,
  t: number,
  lo = 0,
  hi = times.length - 1,
): number {
  let ans = lo - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}
