import FastPriorityQueue from "fastpriorityqueue";
import {
  ANONYMOUS,
  type EventHandle,
  type EventKind,
  type Handler,
  MAX_PRIORITY,
  Priority,
} from "./event.js";
import { CANCELLED, EventTable, orderOf, PENDING, RUNNING } from "./event-table.js";
import { Fingerprint } from "./fingerprint.js";
import { RandomStreams } from "./random.js";
import type { Time } from "./time.js";
import type { TraceSink } from "./trace.js";

// The throws live out of line: schedule() stays small enough for V8 to inline into its callers,
// and then the handle it returns, a double that most callers drop, is never boxed.
function badDelay(delay: number): never {
  throw new RangeError(`schedule: delay ${delay} must be a non-negative integer of ns`);
}
function badPriority(priority: number): never {
  throw new RangeError(`schedule: priority ${priority} must be an integer 0..${MAX_PRIORITY}`);
}

/** Below this many cancelled entries the heap is never compacted. */
const COMPACT_MIN = 64;

export interface SimulationOptions {
  seed?: number | string;
  /** Records (time, component, kind, fields) when set; null costs nothing. */
  trace?: TraceSink | null;
}

export interface RunOptions {
  /**
   * Stop time. Events at exactly `until` are dispatched; afterwards the clock rests at `until`
   * (also when the queue ran dry earlier). Omitted: run until the queue is empty or stop().
   */
  until?: Time;
}

/** Why run() returned. */
export type RunEnd = "until" | "empty" | "stopped";

/**
 * The discrete-event kernel: a clock and one priority queue of events ordered by
 * (time, priority, insertion sequence). Everything else is built on `schedule`.
 */
export class Simulation {
  now: Time = 0;
  readonly fingerprint = new Fingerprint();
  readonly streams: RandomStreams;
  readonly trace: TraceSink | null;
  /**
   * Events dispatched so far (cancelled ones are not counted), including those run in place by
   * `runNextInPlace` (they are dispatched in the same order, only without the queue).
   */
  dispatched = 0;
  /** Of `dispatched`, the events run in place without a round trip through the queue. */
  inPlace = 0;

  private readonly events = new EventTable();
  private readonly queue = new FastPriorityQueue<number>(this.events.before);
  private seq = 0;
  private live = 0;
  private stopRequested = false;
  /** Slot of the event being dispatched; it sits at the top of the heap until dispatch ends. */
  private current = -1;
  /** The dispatched event's slot now holds the handler's first follow-up event. */
  private reused = false;
  /** Cancelled entries still in the heap. */
  private cancelled = 0;
  /** While run() dispatches: its `until`, the last instant an event may run in place. */
  private horizon = Number.NEGATIVE_INFINITY;

  constructor(options: SimulationOptions = {}) {
    this.streams = new RandomStreams(options.seed ?? 0, this.fingerprint);
    this.trace = options.trace ?? null;
  }

  /** Schedules `handler(arg)` after `delay` ns (a non-negative integer). */
  schedule<A>(
    delay: Time,
    handler: Handler<A>,
    priority: number = Priority.NORMAL,
    kind: EventKind = ANONYMOUS,
    arg?: A,
  ): EventHandle {
    if (!(delay >= 0 && delay <= Number.MAX_SAFE_INTEGER && Math.floor(delay) === delay)) {
      badDelay(delay);
    }
    if ((priority & MAX_PRIORITY) !== priority) badPriority(priority);
    const T = this.events;
    this.live++;
    const slot = this.current;
    if (slot >= 0 && !this.reused) {
      // The handler being dispatched schedules its first follow-up: reuse the dispatched
      // event's slot; dispatch() then sifts it down from the top once (replaceTop) instead of
      // poll + add. Until then only the top of the heap is out of order.
      this.reused = true;
      T.renew(slot);
      T.fill(slot, this.now + delay, priority, this.seq++, handler, arg, kind);
      return T.handleOf(slot);
    }
    if (this.reused) this.settleTop();
    const fresh = T.alloc();
    T.fill(fresh, this.now + delay, priority, this.seq++, handler, arg, kind);
    this.queue.add(fresh);
    return T.handleOf(fresh);
  }

  /** Schedules at absolute time `time` (>= now). */
  at<A>(
    time: Time,
    handler: Handler<A>,
    priority: number = Priority.NORMAL,
    kind: EventKind = ANONYMOUS,
    arg?: A,
  ): EventHandle {
    if (!(time >= this.now)) throw new RangeError(`at: time ${time} is before now (${this.now})`);
    return this.schedule(time - this.now, handler, priority, kind, arg);
  }

  /**
   * Cancels a pending event. Lazy: the entry stays in the heap and is dropped when it reaches
   * the top, or when cancelled entries outnumber pending ones (see compact). Returns false for
   * an event that already ran, was cancelled, or an unknown handle.
   */
  cancel(handle: EventHandle | null | undefined): boolean {
    if (handle == null) return false;
    const slot = this.events.slotOf(handle);
    if (slot < 0 || this.events.state[slot] !== PENDING) return false;
    this.events.state[slot] = CANCELLED;
    this.live--;
    this.cancelled++;
    return true;
  }

  /** True while the event is scheduled and has neither run nor been cancelled. */
  isPending(handle: EventHandle): boolean {
    const slot = this.events.slotOf(handle);
    return slot >= 0 && this.events.state[slot] === PENDING;
  }

  /** Number of events scheduled and neither dispatched nor cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Time of the next pending event, or Infinity. Not meant to be called from a handler. */
  peekTime(): Time {
    const slot = this.top();
    return slot < 0 ? Number.POSITIVE_INFINITY : this.events.time[slot]!;
  }

  /** Dispatches the next event. Returns false when there is none. */
  step(): boolean {
    const slot = this.top();
    if (slot < 0) return false;
    this.dispatch(slot);
    return true;
  }

  /** Runs until `until`, an empty queue, or stop(). */
  run(options: RunOptions = {}): RunEnd {
    const until = options.until ?? Number.POSITIVE_INFINITY;
    if (!(until >= this.now))
      throw new RangeError(`run: until ${until} is before now (${this.now})`);
    this.stopRequested = false;
    const time = this.events;
    const outer = this.horizon;
    this.horizon = until;
    try {
      for (;;) {
        const slot = this.top();
        if (slot < 0 || time.time[slot]! > until) {
          if (until === Number.POSITIVE_INFINITY) return "empty";
          this.now = until;
          return "until";
        }
        this.dispatch(slot);
        if (this.stopRequested) return "stopped";
      }
    } finally {
      this.horizon = outer;
    }
  }

  /**
   * Called by a running handler that would end by scheduling one more event at
   * (now + delay, priority) whose handler continues the same work (a process's next step). If
   * that event would be the very next one dispatched (strictly before every pending event in
   * (time, priority, sequence) order, and within run()'s `until`), it is dispatched in place:
   * the clock moves to its time, it takes its sequence number, it is counted and folded into
   * the fingerprint exactly as if it had gone through the queue, and this returns true; the
   * caller then does the event's work itself. Otherwise nothing changes and this returns
   * false: the caller schedules the event as usual.
   *
   * Exact by construction: the event would have run next anyway, and nothing can be scheduled
   * between now and then (a handler only schedules at or after now, and the handler running
   * is this one). Only inside run(), so step() still dispatches one event per call.
   */
  runNextInPlace(delay: Time, priority: number, kind: EventKind): boolean {
    const t = this.now + delay;
    // A bad delay is left to schedule(), which throws.
    if (!(delay >= 0 && Math.floor(delay) === delay && t <= this.horizon) || this.stopRequested) {
      return false;
    }
    // Bring the heap into order: the dispatched event's slot is still at its top, either
    // refilled with the handler's first follow-up (sift it) or done (remove it).
    if (this.reused) {
      this.settleTop();
    } else if (this.current >= 0) {
      this.queue.poll();
      this.events.release(this.current);
      this.current = -1;
    }
    const next = this.top();
    if (next >= 0) {
      const T = this.events;
      const tn = T.time[next]!;
      // The new event's sequence number would be this.seq, above every pending one.
      if (tn < t || (tn === t && T.order[next]! < orderOf(priority, this.seq))) return false;
    }
    this.seq++;
    this.now = t;
    this.dispatched++;
    this.inPlace++;
    this.fingerprint.event(t, kind.id);
    return true;
  }

  /** Makes run() return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Slot of the first pending event, still in the heap; cancelled tops are freed on the way.
   * Only called while the heap is in order (no dispatched slot at its top).
   */
  private top(): number {
    // Timeouts that are cancelled long before they are due (a 1 s polling budget cancelled
    // after a few us) would otherwise pile up, thousands of them, and make every sift deeper.
    if (this.cancelled > COMPACT_MIN && this.cancelled > this.live) this.compact();
    const q = this.queue;
    const state = this.events.state;
    while (q.size > 0) {
      const slot = q.peek()!;
      if (state[slot] === PENDING) return slot;
      q.poll();
      this.events.release(slot);
      this.cancelled--;
    }
    return -1;
  }

  /**
   * Drops every cancelled entry from the heap. The order of dispatch is unchanged: (time,
   * priority, sequence) is a strict total order, so any heap of the same pending events pops
   * them in the same order.
   */
  private compact(): void {
    const q = this.queue;
    const T = this.events;
    const state = T.state;
    // fastpriorityqueue keeps its heap in `array` (first `size` entries): filtering it and
    // heapify() is O(n). Should a version not expose it, removeMany() does the same in
    // O(n log n) through the public API.
    const heap = (q as unknown as { array?: unknown }).array;
    if (Array.isArray(heap)) {
      const kept: number[] = [];
      for (let i = 0; i < q.size; i++) {
        const slot = heap[i] as number;
        if (state[slot] === PENDING) kept.push(slot);
        else T.release(slot);
      }
      q.heapify(kept);
      this.cancelled = 0;
      return;
    }
    const dropped = q.removeMany((slot) => state[slot] !== PENDING, this.cancelled);
    for (const slot of dropped) T.release(slot);
    this.cancelled -= dropped.length;
  }

  private dispatch(slot: number): void {
    const T = this.events;
    const time = T.time[slot]!;
    const handler = T.handler[slot]!;
    const arg = T.arg[slot];
    this.now = time;
    T.state[slot] = RUNNING;
    this.live--;
    this.dispatched++;
    this.fingerprint.event(time, T.kindId[slot]!);
    this.current = slot;
    this.reused = false;
    try {
      handler(arg as never);
    } finally {
      if (this.reused) {
        this.settleTop();
      } else if (this.current === slot) {
        // The handler scheduled nothing: the dispatched event leaves the heap.
        this.queue.poll();
        T.release(slot);
      }
      this.current = -1;
    }
  }

  /** Restores heap order after the top slot was refilled with a later event. */
  private settleTop(): void {
    this.reused = false;
    this.current = -1;
    this.queue.replaceTop(this.queue.peek()!);
  }
}
