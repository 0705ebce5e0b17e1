import type { Time } from "../engine/index.js";
import { Cause, causeName, type DropCause } from "../model/outcomes.js";
import {
  GuestView,
  HostRoute,
  lastAtOrBefore,
  type StepFunction,
  type Timeline,
  Track,
  XLATE_NO_MESSAGE,
} from "../model/timeline.js";

/**
 * Drop and defer windows, computed exactly from the recorded control-plane state (MODEL.md
 * section 8), without looking at a single simulated interrupt.
 *
 * For a vector v and an instant t, the "fate" of an interrupt raised on v at t follows the
 * path stage by stage, reading each layer's state at the moment the interrupt reaches it:
 * the function (disabled: drop; masked: pending until unmasked or cleared), the ITS
 * translation, the LPI (taken a fixed latency later if enabled, lost to a DISCARD while
 * pending), the host handler, and QEMU (KVM irqfd, or QEMU's eventfd and its emulated PBA).
 * Every stage reads right-continuous step functions and fixed latencies, so the fate is
 * piecewise constant in t with breakpoints among the change times c and c - L: evaluating it
 * at those points gives the windows exactly.
 *
 * A drop window is a maximal interval in which the guest expects delivery on v (QEMU's view:
 * in use and unmasked) and the fate is a drop with one cause; a defer window, the same with a
 * delivery that waited in a pending bit.
 *
 * Cost: one sweep per vector over its candidate instants in time order. The candidates are
 * merged from the already sorted tracks (no sort), and every track is read through a `Reader`
 * that keeps its place, so a read costs O(1) amortised instead of a binary search. The
 * function-wide tracks (Enable, Function Mask, PBA clears) are merged once per run. An
 * interrupt that waits in the PBA is resolved from two look-ups (the vector's next return to
 * deliverable, the next PBA clear), not by scanning the device changes that follow it.
 */
export interface Window {
  readonly vector: number;
  readonly start: Time;
  readonly end: Time;
  readonly cause: DropCause | "deferred";
}

export interface WindowInputs {
  readonly timeline: Timeline;
  readonly tableSize: number;
  readonly end: Time;
  readonly lpiTakeLatency: Time;
  readonly pbaSurvivesDisable: boolean;
}

/** A fate is a drop cause (>= 0) or one of these; plain numbers keep the sweep allocation-free. */
const DELIVERED = -1;
const DEFERRED = -2;
const PENDING = -3;
type Fate = number;

const EMPTY: StepFunction = { times: [], values: [] };

/** The windows of a run record. */
export function windowsOf(r: {
  timeline: Timeline;
  tableSize: number;
  end: Time;
  lpiTakeLatency: Time;
  pbaSurvivesDisable: boolean;
}): { drop: Window[]; defer: Window[] } {
  return computeWindows({
    timeline: r.timeline,
    tableSize: r.tableSize,
    end: r.end,
    lpiTakeLatency: r.lpiTakeLatency,
    pbaSurvivesDisable: r.pbaSurvivesDisable,
  });
}

/** Drop and defer windows of every vector, by vector then start. */
export function computeWindows(inp: WindowInputs): { drop: Window[]; defer: Window[] } {
  const tl = inp.timeline;
  const enable = track(tl, Track.ENABLE, 0);
  const fmask = track(tl, Track.FMASK, 0);
  const pbaClear = track(tl, Track.PBA_CLEAR, 0);
  // Once per run, not once per vector.
  const fn: FunctionTracks = {
    enable,
    pbaClear,
    open: combine(enable, 0, fmask, 0, (e, m) => (e === 1 && m === 0 ? 1 : 0)),
    changes: mergeLists(enable.times, mergeLists(fmask.times, pbaClear.times)),
  };
  const sweep = new Sweep(inp, fn);
  for (let v = 0; v < inp.tableSize; v++) sweep.vector(v);
  return { drop: sweep.drop, defer: sweep.defer };
}

interface FunctionTracks {
  readonly enable: StepFunction;
  readonly pbaClear: StepFunction;
  /** 1 while MSI-X is enabled and the function not masked. */
  readonly open: StepFunction;
  /** Sorted change times of Enable, Function Mask and PBA clears, without repeats. */
  readonly changes: readonly number[];
}

function track(tl: Timeline, kind: number, index: number): StepFunction {
  return tl.get(kind as never, index) ?? EMPTY;
}

/**
 * Reads one recorded track at successive instants. It keeps its place: reads at
 * non-decreasing instants (the sweep) step forward, O(1) amortised; a read before the previous
 * one, or far after it, is a binary search. Any order of reads gives the right answer.
 */
class Reader {
  private times: readonly number[] = EMPTY.times;
  private values: readonly number[] = EMPTY.values;
  private initial = 0;
  /** Index of the last change at or before the previous read's instant, or -1. */
  private i = -1;

  /** Reads step function f, whose value before its first change is `initial`. */
  track(f: StepFunction, initial: number): this {
    this.times = f.times;
    this.values = f.values;
    this.initial = initial;
    this.i = -1;
    return this;
  }

  /** Index of the last change at or before t, or -1. */
  index(t: Time): number {
    const times = this.times;
    let i = this.i;
    if (i >= 0 && times[i]! > t) {
      i = lastAtOrBefore(times, t, 0, i - 1);
    } else {
      const n = times.length;
      // A few steps cover the sweep's usual advance; a longer jump is a binary search.
      for (let k = 0; i + 1 < n && times[i + 1]! <= t; k++) {
        if (k === 4) {
          i = lastAtOrBefore(times, t, i + 1, n - 1);
          break;
        }
        i++;
      }
    }
    this.i = i;
    return i;
  }

  /** The value in force at t (after every change at t). */
  at(t: Time): number {
    const i = this.index(t);
    return i < 0 ? this.initial : this.values[i]!;
  }

  /** First change time strictly after t, or Infinity. */
  nextAfter(t: Time): number {
    return this.timeAt(this.index(t) + 1);
  }

  /** Time of change i, or Infinity past the last. */
  timeAt(i: number): number {
    return i < this.times.length ? this.times[i]! : Number.POSITIVE_INFINITY;
  }

  /** Index of the first change after t to `value`, or the number of changes. */
  nextIndexWith(t: Time, value: number): number {
    const n = this.times.length;
    let i = this.index(t) + 1;
    while (i < n && this.values[i] !== value) i++;
    return i;
  }

  /** Any mark in (a, b]? */
  markIn(a: Time, b: Time): boolean {
    return this.nextAfter(a) <= b;
  }

  /** First time after t at which the value becomes `value`, or Infinity. */
  nextTimeWith(t: Time, value: number): number {
    return this.timeAt(this.nextIndexWith(t, value));
  }
}

/**
 * The tracks of one LPI. The LPI is read at two stages of an interrupt's path: when the ITS
 * makes it pending (the send instant s) and when the redistributor takes it (s + L); one reader
 * per stage keeps each moving forward during the sweep.
 */
interface LpiReaders {
  readonly enabledAtSend: Reader;
  readonly discard: Reader;
  readonly enabledAtTake: Reader;
  readonly host: Reader;
}

/** The path of a message the function sends on one vector: its fate. */
class PathProbe {
  private readonly xlate = new Reader();
  /** QEMU's view at the instant a delivery reaches QEMU (an LPI take). */
  private readonly guestAtTake = new Reader();
  private readonly qemuPbaClear = new Reader();
  private readonly lpis = new Map<number, LpiReaders>();
  private lastLpi = -1;
  private lastLpiReaders: LpiReaders | null = null;
  private v = 0;
  private readonly tl: Timeline;
  private readonly L: Time;
  private readonly end: Time;

  constructor(inp: WindowInputs) {
    this.tl = inp.timeline;
    this.L = inp.lpiTakeLatency;
    this.end = inp.end;
  }

  reset(v: number, xlate: StepFunction, guest: StepFunction): void {
    this.v = v;
    this.xlate.track(xlate, XLATE_NO_MESSAGE);
    this.guestAtTake.track(guest, GuestView.UNUSED);
    this.qemuPbaClear.track(track(this.tl, Track.QEMU_PBA_CLEAR, v), 0);
    this.lpis.clear();
    this.lastLpi = -1;
    this.lastLpiReaders = null;
  }

  private lpi(x: number): LpiReaders {
    if (x === this.lastLpi) return this.lastLpiReaders!;
    let r = this.lpis.get(x);
    if (r === undefined) {
      const tl = this.tl;
      const enabled = track(tl, Track.LPI_ENABLED, x);
      r = {
        enabledAtSend: new Reader().track(enabled, 0),
        discard: new Reader().track(track(tl, Track.LPI_DISCARD, x), 0),
        enabledAtTake: new Reader().track(enabled, 0),
        host: new Reader().track(track(tl, Track.HOST, x), HostRoute.NONE),
      };
      this.lpis.set(x, r);
    }
    this.lastLpi = x;
    this.lastLpiReaders = r;
    return r;
  }

  /** The fate of a message the function sends at s (`deferred`: it waited in the PBA). */
  fromSend(s: Time, deferred: boolean): Fate {
    const x = this.xlate.at(s);
    if (x === XLATE_NO_MESSAGE) {
      throw new Error(
        `model invariant: vector ${this.v} would send an all-zero message at ${s} ns`,
      );
    }
    if (x < 0) return -x;
    const lt = this.lpi(x);
    const L = this.L;
    const end = this.end;
    let since = s;
    let due = lt.enabledAtSend.at(s) === 1 ? s + L : Number.NaN;
    let waited = deferred;
    for (;;) {
      if (Number.isNaN(due)) {
        // Waiting for the LPI to be enabled.
        waited = true;
        const e = lt.enabledAtSend.nextTimeWith(since, 1);
        if (lt.discard.markIn(since, Math.min(e, end))) return Cause.DISCARDED_WHILE_PENDING;
        if (e > end) return PENDING;
        since = e;
        due = e + L;
      }
      if (lt.discard.markIn(since, Math.min(due, end))) return Cause.DISCARDED_WHILE_PENDING;
      if (due > end) return PENDING;
      if (lt.enabledAtTake.at(due) === 1) break;
      since = due;
      due = Number.NaN;
    }
    const host = lt.host.at(due);
    if (host === HostRoute.NONE) return Cause.NO_HOST_HANDLER;
    const f = this.fromQemu(due, host);
    return f === DELIVERED && waited ? DEFERRED : f;
  }

  /** The fate of a delivery that reaches QEMU at tau through `host`. */
  private fromQemu(tau: Time, host: number): Fate {
    if (host === HostRoute.KVM) return DELIVERED;
    const guest = this.guestAtTake;
    const g = guest.at(tau);
    if (g === GuestView.UNUSED) return Cause.GUEST_VECTOR_UNUSED;
    if (g === GuestView.UNMASKED) return DELIVERED;
    // Kept in QEMU's emulated PBA until the guest unmasks, unless cleared first.
    let t = tau;
    for (;;) {
      const c = guest.nextAfter(t);
      if (this.qemuPbaClear.markIn(tau, Math.min(c, this.end))) {
        return Cause.GUEST_VECTOR_UNUSED;
      }
      if (c > this.end) return PENDING;
      const now = guest.at(c);
      if (now === GuestView.UNMASKED) return DEFERRED;
      if (now === GuestView.UNUSED) return Cause.GUEST_VECTOR_UNUSED;
      t = c;
    }
  }
}

/** The sweep over one vector's candidate instants, vector after vector. */
class Sweep {
  readonly drop: Window[] = [];
  readonly defer: Window[] = [];
  private readonly tl: Timeline;
  private readonly L: Time;
  private readonly end: Time;
  // What the sweep reads at its own instant t.
  private readonly enable = new Reader();
  /** 1 while the vector is deliverable: enabled, function and vector unmasked. */
  private readonly deliverable = new Reader();
  private readonly pbaClear = new Reader();
  /** QEMU's view at t (does the guest expect delivery?). */
  private readonly guest = new Reader();
  // Two path probes: `now` follows interrupts raised at the sweep's instant (non-decreasing, so
  // its readers only step forward); `later` follows those that waited in the PBA and are sent
  // when the vector becomes deliverable again.
  private readonly now: PathProbe;
  private readonly later: PathProbe;
  /** The candidate instants' change times, merged in scratch buffers. */
  private readonly merger = SCRATCH;
  // The last pending interrupt's outcome, by (index of the next rise to deliverable, index of
  // the next PBA clear): indices, not times, so nothing is boxed.
  private memoRise = -1;
  private memoClear = -1;
  private memoFate: Fate = PENDING;

  constructor(
    inp: WindowInputs,
    private readonly fn: FunctionTracks,
  ) {
    this.tl = inp.timeline;
    this.L = inp.lpiTakeLatency;
    this.end = inp.end;
    this.now = new PathProbe(inp);
    this.later = new PathProbe(inp);
  }

  vector(v: number): void {
    const tl = this.tl;
    const L = this.L;
    const end = this.end;
    const guest = track(tl, Track.GUEST, v);
    if (guest.times.length === 0) return;
    // Only instants at which the guest expects delivery matter: find those intervals first.
    const expected = intervalsWhere(guest, GuestView.UNMASKED, GuestView.UNUSED, end);
    if (expected.length === 0) return;

    const fn = this.fn;
    const mask = track(tl, Track.MASK, v);
    const xlate = track(tl, Track.XLATE, v);
    this.enable.track(fn.enable, 0);
    this.deliverable.track(
      combine(fn.open, 0, mask, 1, (o, m) => (o === 1 && m === 0 ? 1 : 0)),
      0,
    );
    this.pbaClear.track(fn.pbaClear, 0);
    this.guest.track(guest, GuestView.UNUSED);
    this.now.reset(v, xlate, guest);
    this.later.reset(v, xlate, guest);
    this.memoRise = -1;
    this.memoClear = -1;

    // Candidate breakpoints: every change time c of a track the fate reads, and c - L, kept
    // when inside an expected interval; plus the intervals' own ends (guest changes, or the end).
    const lists: Array<readonly number[]> = [
      fn.changes,
      mask.times,
      xlate.times,
      track(tl, Track.QEMU_PBA_CLEAR, v).times,
      guest.times,
    ];
    for (const lpi of new Set(xlate.values)) {
      if (lpi < 0) continue;
      lists.push(track(tl, Track.LPI_ENABLED, lpi).times);
      lists.push(track(tl, Track.LPI_DISCARD, lpi).times);
      lists.push(track(tl, Track.HOST, lpi).times);
    }
    const merger = this.merger;
    const n = merger.union(lists);
    const changes = merger.out;

    let openCause = -1; // the open drop window's cause, or -1
    let openStart = 0;
    let deferOpen = false;
    let deferStart = 0;
    let iv = 0;
    // The candidates in order: the change times c (index p) merged with c - L (index q), then
    // the end of the run.
    let p = 0;
    let q = 0;
    let last = Number.NEGATIVE_INFINITY;
    for (;;) {
      let t: number;
      if (p < n && (q >= n || changes[p]! <= changes[q]! - L)) t = changes[p++]!;
      else if (q < n) t = changes[q++]! - L;
      else if (last < end) t = end;
      else break;
      if (t === last || t < 0) continue;
      if (t > end) {
        if (last >= end) break;
        t = end;
        p = q = n;
      }
      last = t;
      while (iv < expected.length && expected[iv]![1] < t) iv++;
      if (iv === expected.length) break;
      if (expected[iv]![0] > t) continue;
      const f = this.guest.at(t) === GuestView.UNMASKED ? this.fate(t) : DELIVERED;
      const dropCause = f >= 0 ? f : -1;
      if (openCause >= 0 && openCause !== dropCause) {
        if (t > openStart) {
          this.drop.push({ vector: v, start: openStart, end: t, cause: causeName(openCause) });
        }
        openCause = -1;
      }
      if (dropCause >= 0 && openCause < 0) {
        openCause = dropCause;
        openStart = t;
      }
      const isDefer = f === DEFERRED;
      if (deferOpen && !isDefer) {
        if (t > deferStart)
          this.defer.push({ vector: v, start: deferStart, end: t, cause: "deferred" });
        deferOpen = false;
      }
      if (isDefer && !deferOpen) {
        deferOpen = true;
        deferStart = t;
      }
    }
    // A window still open at the end of the run ends there: windows are [start, end).
    if (openCause >= 0 && end > openStart) {
      this.drop.push({ vector: v, start: openStart, end, cause: causeName(openCause) });
    }
    if (deferOpen && end > deferStart) {
      this.defer.push({ vector: v, start: deferStart, end, cause: "deferred" });
    }
  }

  /** The fate of an interrupt raised at t on the current vector (the guest expects it). */
  private fate(t: Time): Fate {
    if (this.enable.at(t) === 0) return Cause.MSIX_DISABLED;
    const d = this.deliverable;
    if (d.at(t) === 1) return this.now.fromSend(t, false);
    // A masked vector keeps the interrupt pending in the PBA. It is sent at the first instant
    // r after t at which the vector is deliverable again (deliverability rises only at a
    // change of Enable, Function Mask or Mask), unless a PBA clear comes first (at or before
    // r). The outcome depends on (r, next clear) alone, the same for a run of candidates.
    const rise = d.nextIndexWith(t, 1);
    const clear = this.pbaClear.index(t) + 1;
    if (rise !== this.memoRise || clear !== this.memoClear) {
      this.memoRise = rise;
      this.memoClear = clear;
      const r = d.timeAt(rise);
      const c = this.pbaClear.timeAt(clear);
      if (r <= this.end)
        this.memoFate = c <= r ? Cause.MSIX_DISABLED : this.later.fromSend(r, true);
      else this.memoFate = c <= this.end ? Cause.MSIX_DISABLED : PENDING;
    }
    return this.memoFate;
  }
}

/** The intervals [a, b) (clipped to `end`, inclusive of `end` as a closing point) where f == value. */
function intervalsWhere(
  f: StepFunction,
  value: number,
  initial: number,
  end: Time,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let cur = initial;
  let since = 0;
  for (let i = 0; i < f.times.length; i++) {
    const t = f.times[i]!;
    const v = f.values[i]!;
    if (v === cur) continue;
    if (cur === value && t > since) out.push([since, Math.min(t, end)]);
    cur = v;
    since = t;
  }
  if (cur === value && since < end) out.push([since, end]);
  return out.filter(([a, b]) => b > a);
}

/**
 * The step function op(f, g) of two step functions (values before their first change: fInit,
 * gInit), with only real changes recorded. Its value before its first change is op(fInit, gInit).
 */
function combine(
  f: StepFunction,
  fInit: number,
  g: StepFunction,
  gInit: number,
  op: (a: number, b: number) => number,
): StepFunction {
  const times: number[] = [];
  const values: number[] = [];
  const ft = f.times;
  const gt = g.times;
  let i = 0;
  let j = 0;
  let a = fInit;
  let b = gInit;
  let cur = op(a, b);
  while (i < ft.length || j < gt.length) {
    const t = j >= gt.length || (i < ft.length && ft[i]! <= gt[j]!) ? ft[i]! : gt[j]!;
    // Every change at t, so that the value recorded is the one in force at t.
    while (i < ft.length && ft[i] === t) a = f.values[i++]!;
    while (j < gt.length && gt[j] === t) b = g.values[j++]!;
    const x = op(a, b);
    if (x !== cur) {
      times.push(t);
      values.push(x);
      cur = x;
    }
  }
  return { times, values };
}

/** Sorted union, without repeats, of two sorted lists: one linear merge. */
function mergeLists(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let last = Number.NaN;
  while (i < na || j < nb) {
    const x = j >= nb || (i < na && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (x !== last) {
      out.push(x);
      last = x;
    }
  }
  return out;
}

/**
 * Sorted unions of sorted lists, without repeats, built in two scratch buffers that are reused
 * from vector to vector: the lists side by side, then neighbours merged in pairs until one is
 * left (log2(lists) passes). Nothing is allocated once the buffers are big enough.
 */
class Merger {
  private a = new Float64Array(4096);
  private b = new Float64Array(4096);
  /** Segment bounds of the current pass, and of the next. */
  private bounds = new Int32Array(64);
  private next = new Int32Array(64);
  /** The last union (its length is union()'s result). */
  out: Float64Array = this.a;

  union(lists: ReadonlyArray<readonly number[]>): number {
    let total = 0;
    for (const l of lists) total += l.length;
    if (this.a.length < total) {
      this.a = new Float64Array(2 * total);
      this.b = new Float64Array(2 * total);
    }
    if (this.bounds.length < lists.length + 2) {
      this.bounds = new Int32Array(2 * lists.length + 2);
      this.next = new Int32Array(2 * lists.length + 2);
    }
    let src = this.a;
    let dst = this.b;
    let bounds = this.bounds;
    let next = this.next;
    let k = 0;
    let segs = 0;
    bounds[0] = 0;
    for (const l of lists) {
      for (let i = 0; i < l.length; i++) src[k++] = l[i]!;
      bounds[++segs] = k;
    }
    // At least one pass, which also drops the repeats inside a lone list.
    do {
      let w = 0;
      let out = 0;
      next[0] = 0;
      for (let s = 0; s < segs; s += 2) {
        const hi = s + 2 <= segs ? bounds[s + 2]! : bounds[s + 1]!;
        w = mergeRange(src, bounds[s]!, bounds[s + 1]!, hi, dst, w);
        next[++out] = w;
      }
      segs = out;
      const buf = src;
      src = dst;
      dst = buf;
      const b = bounds;
      bounds = next;
      next = b;
    } while (segs > 1);
    this.out = src;
    return segs === 0 ? 0 : bounds[1]!;
  }
}

/**
 * One Merger per thread, shared by every sweep: the windows of a run are computed in one
 * synchronous call, so two sweeps never use it at once, and a tiny run does not allocate (and
 * collect) 64 KB of scratch space.
 */
const SCRATCH = new Merger();

/**
 * Merges the sorted ranges x[lo, mid) and x[mid, hi) into out from w, without repeats; returns
 * the new end of out.
 */
function mergeRange(
  x: Float64Array,
  lo: number,
  mid: number,
  hi: number,
  out: Float64Array,
  w: number,
): number {
  let i = lo;
  let j = mid;
  let last = Number.NaN;
  while (i < mid || j < hi) {
    const v = j >= hi || (i < mid && x[i]! <= x[j]!) ? x[i++]! : x[j++]!;
    if (v !== last) {
      out[w++] = v;
      last = v;
    }
  }
  return w;
}
