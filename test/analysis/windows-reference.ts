import type { Time } from "../../src/engine/index.js";
import { Cause, causeName, type DropCause } from "../../src/model/outcomes.js";
import {
  GuestView,
  HostRoute,
  lastAtOrBefore,
  type StepFunction,
  type Timeline,
  Track,
  XLATE_NO_MESSAGE,
} from "../../src/model/timeline.js";

/**
 * TEST ORACLE: the first implementation of src/analysis/windows.ts (a binary search per read,
 * candidates sorted per vector), kept unchanged so that tests can check the linear sweep against
 * it window for window. Not used by the simulator.
 *
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

export function computeWindows(inp: WindowInputs): { drop: Window[]; defer: Window[] } {
  const drop: Window[] = [];
  const defer: Window[] = [];
  for (let v = 0; v < inp.tableSize; v++) {
    const w = vectorWindows(inp, v);
    drop.push(...w.drop);
    defer.push(...w.defer);
  }
  return { drop, defer };
}

function track(tl: Timeline, kind: number, index: number): StepFunction {
  return tl.get(kind as never, index) ?? EMPTY;
}

function at(f: StepFunction, t: Time, initial: number): number {
  const i = lastAtOrBefore(f.times, t);
  return i < 0 ? initial : f.values[i]!;
}

/** First change time strictly after t, or Infinity. */
function nextAfter(times: readonly number[], t: Time): number {
  const i = lastAtOrBefore(times, t) + 1;
  return i < times.length ? times[i]! : Number.POSITIVE_INFINITY;
}

/** Any mark in (a, b]? */
function markIn(f: StepFunction, a: Time, b: Time): boolean {
  const t = nextAfter(f.times, a);
  return t <= b;
}

function vectorWindows(inp: WindowInputs, v: number): { drop: Window[]; defer: Window[] } {
  const tl = inp.timeline;
  const L = inp.lpiTakeLatency;
  const enable = track(tl, Track.ENABLE, 0);
  const fmask = track(tl, Track.FMASK, 0);
  const pbaClear = track(tl, Track.PBA_CLEAR, 0);
  const mask = track(tl, Track.MASK, v);
  const xlate = track(tl, Track.XLATE, v);
  const guest = track(tl, Track.GUEST, v);
  const qemuPbaClear = track(tl, Track.QEMU_PBA_CLEAR, v);
  if (guest.times.length === 0) return { drop: [], defer: [] };

  const lpis = [...new Set(xlate.values.filter((x) => x >= 0))];
  const lpiTracks = new Map(
    lpis.map((lpi) => [
      lpi,
      {
        enabled: track(tl, Track.LPI_ENABLED, lpi),
        discard: track(tl, Track.LPI_DISCARD, lpi),
        host: track(tl, Track.HOST, lpi),
      },
    ]),
  );

  // Device-level changes, for resolving a masked (pending) interrupt.
  const deviceChanges = mergeSorted([enable.times, fmask.times, mask.times, pbaClear.times]);
  const deliverableAt = (t: Time): boolean =>
    at(enable, t, 0) === 1 && at(fmask, t, 0) === 0 && at(mask, t, 1) === 0;

  const fromQemu = (tau: Time, lpiHost: number): Fate => {
    if (lpiHost === HostRoute.KVM) return DELIVERED;
    const g = at(guest, tau, GuestView.UNUSED);
    if (g === GuestView.UNUSED) return Cause.GUEST_VECTOR_UNUSED;
    if (g === GuestView.UNMASKED) return DELIVERED;
    // Kept in QEMU's emulated PBA until the guest unmasks, unless cleared first.
    let t = tau;
    for (;;) {
      const c = nextAfter(guest.times, t);
      if (markIn(qemuPbaClear, tau, Math.min(c, inp.end))) {
        return Cause.GUEST_VECTOR_UNUSED;
      }
      if (c > inp.end) return PENDING;
      const now = at(guest, c, GuestView.UNUSED);
      if (now === GuestView.UNMASKED) return DEFERRED;
      if (now === GuestView.UNUSED) return Cause.GUEST_VECTOR_UNUSED;
      t = c;
    }
  };

  const fromSend = (s: Time, deferred: boolean): Fate => {
    const x = at(xlate, s, XLATE_NO_MESSAGE);
    if (x === XLATE_NO_MESSAGE) {
      throw new Error(`model invariant: vector ${v} would send an all-zero message at ${s} ns`);
    }
    if (x < 0) return -x;
    const lt = lpiTracks.get(x)!;
    let since = s;
    let due = at(lt.enabled, s, 0) === 1 ? s + L : Number.NaN;
    let waited = deferred;
    for (;;) {
      if (Number.isNaN(due)) {
        // Waiting for the LPI to be enabled.
        waited = true;
        const e = nextEnable(lt.enabled, since);
        if (markIn(lt.discard, since, Math.min(e, inp.end))) {
          return Cause.DISCARDED_WHILE_PENDING;
        }
        if (e > inp.end) return PENDING;
        since = e;
        due = e + L;
      }
      if (markIn(lt.discard, since, Math.min(due, inp.end))) {
        return Cause.DISCARDED_WHILE_PENDING;
      }
      if (due > inp.end) return PENDING;
      if (at(lt.enabled, due, 0) === 1) break;
      since = due;
      due = Number.NaN;
    }
    const host = at(lt.host, due, HostRoute.NONE);
    if (host === HostRoute.NONE) return Cause.NO_HOST_HANDLER;
    const f = fromQemu(due, host);
    return f === DELIVERED && waited ? DEFERRED : f;
  };

  const fate = (t: Time): Fate => {
    if (at(enable, t, 0) === 0) return Cause.MSIX_DISABLED;
    if (deliverableAt(t)) return fromSend(t, false);
    // Pending in the PBA until the vector is deliverable again, unless the bits are cleared.
    // Every clear is itself a device change, so the outcome is the same for every t before the
    // same next change: remember it by that change's index.
    const first = lastAtOrBefore(deviceChanges, t) + 1;
    const known = pendingFate.get(first);
    if (known !== undefined) return known;
    const f = resolvePending(t, first);
    pendingFate.set(first, f);
    return f;
  };

  const resolvePending = (t: Time, first: number): Fate => {
    for (let i = first; i < deviceChanges.length; i++) {
      const c = deviceChanges[i]!;
      if (c > inp.end) break;
      if (markIn(pbaClear, t, c)) return Cause.MSIX_DISABLED;
      if (deliverableAt(c)) return fromSend(c, true);
    }
    if (markIn(pbaClear, t, inp.end)) return Cause.MSIX_DISABLED;
    return PENDING;
  };
  const pendingFate = new Map<number, Fate>();

  // Only instants at which the guest expects delivery matter: find those intervals first.
  const expected = intervalsWhere(guest, GuestView.UNMASKED, GuestView.UNUSED, inp.end);
  if (expected.length === 0) return { drop: [], defer: [] };

  // Candidate breakpoints: every change time c of a track the fate reads, and c - L, kept when
  // inside an expected interval; plus the intervals' own ends.
  const tracks: StepFunction[] = [enable, fmask, mask, xlate, pbaClear, qemuPbaClear, guest];
  for (const lt of lpiTracks.values()) tracks.push(lt.enabled, lt.discard, lt.host);
  let n = 0;
  for (const f of tracks) n += 2 * f.times.length;
  const cand = new Float64Array(n + 2 * expected.length);
  let k = 0;
  for (const f of tracks) {
    for (const c of f.times) {
      cand[k++] = c;
      cand[k++] = c - L;
    }
  }
  for (const [a, b] of expected) {
    cand[k++] = a;
    cand[k++] = b;
  }
  cand.sort();
  const sorted: number[] = [];
  let iv = 0;
  for (let i = 0; i < cand.length; i++) {
    const t = cand[i]!;
    if (t < 0 || t > inp.end || (sorted.length > 0 && sorted[sorted.length - 1] === t)) continue;
    while (iv < expected.length && expected[iv]![1] < t) iv++;
    if (iv < expected.length && expected[iv]![0] <= t) sorted.push(t);
  }

  const drop: Window[] = [];
  const defer: Window[] = [];
  let openDrop: { start: Time; cause: number } | null = null;
  let openDefer: Time | null = null;
  const close = (t: Time): void => {
    if (openDrop !== null && t > openDrop.start) {
      drop.push({ vector: v, start: openDrop.start, end: t, cause: causeName(openDrop.cause) });
    }
    openDrop = null;
  };
  const closeDefer = (t: Time): void => {
    if (openDefer !== null && t > openDefer) {
      defer.push({ vector: v, start: openDefer, end: t, cause: "deferred" });
    }
    openDefer = null;
  };
  for (const t of sorted) {
    const expects = at(guest, t, GuestView.UNUSED) === GuestView.UNMASKED;
    const f = expects ? fate(t) : null;
    const dropCause = f !== null && f >= 0 ? f : -1;
    if (openDrop !== null && openDrop.cause !== dropCause) close(t);
    if (dropCause >= 0 && openDrop === null) openDrop = { start: t, cause: dropCause };
    const isDefer = f === DEFERRED;
    if (openDefer !== null && !isDefer) closeDefer(t);
    if (isDefer && openDefer === null) openDefer = t;
  }
  // A window still open at the end of the run ends there: windows are [start, end).
  close(inp.end);
  closeDefer(inp.end);
  return { drop, defer };
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

/** Sorted union (without repeats) of sorted arrays. */
function mergeSorted(lists: ReadonlyArray<readonly number[]>): number[] {
  const all = new Float64Array(lists.reduce((s, l) => s + l.length, 0));
  let k = 0;
  for (const l of lists) for (const x of l) all[k++] = x;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}

/** First time after t at which the LPI becomes enabled, or Infinity. */
function nextEnable(enabled: StepFunction, t: Time): number {
  let i = lastAtOrBefore(enabled.times, t) + 1;
  for (; i < enabled.times.length; i++) if (enabled.values[i] === 1) return enabled.times[i]!;
  return Number.POSITIVE_INFINITY;
}
