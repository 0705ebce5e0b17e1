import { ANONYMOUS, type EventHandle, type EventKind, type Handler } from "./event.js";
import type { Time } from "./time.js";
import { zeroedF64, zeroedU8, zeroedU32 } from "./typed-arrays.js";

/**
 * Scheduled events as a pool of slots in parallel arrays (struct of arrays). The priority queue
 * holds slot numbers, so the heap moves small integers and its comparator reads two typed
 * arrays: no per-event object, nothing for the garbage collector on the hot path.
 */
export const FREE = 0;
export const PENDING = 1;
export const CANCELLED = 2;
export const RUNNING = 3;

const SLOT_BITS = 24;
const SLOT_COUNT = 2 ** SLOT_BITS;
const GEN_LIMIT = 2 ** (53 - SLOT_BITS);
// order = priority * 2^43 + seq: one comparison settles priority and FIFO among equals.
const ORDER_SCALE = 2 ** 43;

const NOOP: Handler<unknown> = () => {};

/** The second sort key of an event: (priority, insertion sequence) as one number. */
export function orderOf(priority: number, seq: number): number {
  return priority * ORDER_SCALE + seq;
}

export class EventTable {
  time: Float64Array;
  order: Float64Array;
  state: Uint8Array;
  gen: Float64Array;
  /** The id of the event's kind (all the fingerprint needs of it). */
  kindId: Uint32Array;
  readonly handler: Handler<never>[];
  readonly arg: unknown[];
  private readonly free: number[] = [];
  private capacity = 0;

  constructor(initialCapacity = 64) {
    this.time = new Float64Array(0);
    this.order = new Float64Array(0);
    this.state = new Uint8Array(0);
    this.gen = new Float64Array(0);
    this.kindId = new Uint32Array(0);
    this.handler = [];
    this.arg = [];
    this.grow(initialCapacity);
  }

  /** Heap order: (time, priority, insertion sequence). */
  readonly before = (a: number, b: number): boolean => {
    const t = this.time;
    const ta = t[a]!;
    const tb = t[b]!;
    if (ta !== tb) return ta < tb;
    const o = this.order;
    return o[a]! < o[b]!;
  };

  alloc(): number {
    if (this.free.length === 0) this.grow(this.capacity * 2);
    return this.free.pop()!;
  }

  /**
   * Fills a slot. Returns nothing: a handle is a double that, returned from a call V8 does not
   * inline, is boxed; handleOf() computes it where it is wanted (and it vanishes where not).
   */
  fill(
    slot: number,
    time: Time,
    priority: number,
    seq: number,
    handler: Handler<never>,
    arg: unknown,
    kind: EventKind,
  ): void {
    this.time[slot] = time;
    this.order[slot] = orderOf(priority, seq);
    this.state[slot] = PENDING;
    this.kindId[slot] = kind.id;
    // Plain stores: testing `!==` first costs more (a type check of each old value) than the
    // write barrier it would skip.
    this.handler[slot] = handler;
    this.arg[slot] = arg;
  }

  /** Starts a new generation of a slot that is reused (its old handles stop matching). */
  renew(slot: number): void {
    const g = this.gen[slot]! + 1;
    this.gen[slot] = g === GEN_LIMIT ? 0 : g; // no float %: it compiles to a slow fmod call
  }

  /** The handle of a slot's current event. */
  handleOf(slot: number): EventHandle {
    return this.gen[slot]! * SLOT_COUNT + slot;
  }

  /** Ends a slot's current use: stale handles to it stop matching. */
  retire(slot: number): void {
    this.state[slot] = FREE;
    this.renew(slot);
    this.handler[slot] = NOOP;
    this.arg[slot] = undefined;
  }

  release(slot: number): void {
    this.retire(slot);
    this.free.push(slot);
  }

  /** The slot a handle names, or -1 if the handle is stale or malformed. */
  slotOf(handle: EventHandle): number {
    if (!Number.isSafeInteger(handle) || handle < 0) return -1;
    const slot = handle % SLOT_COUNT;
    if (slot >= this.capacity) return -1;
    return this.gen[slot] === (handle - slot) / SLOT_COUNT ? slot : -1;
  }

  private grow(to: number): void {
    const from = this.capacity;
    if (to > SLOT_COUNT) throw new RangeError(`more than ${SLOT_COUNT} pending events`);
    this.time = extend(this.time, zeroedF64(to));
    this.order = extend(this.order, zeroedF64(to));
    this.state = extend(this.state, zeroedU8(to));
    this.gen = extend(this.gen, zeroedF64(to));
    this.kindId = extend(this.kindId, zeroedU32(to).fill(ANONYMOUS.id));
    for (let i = from; i < to; i++) {
      this.handler.push(NOOP);
      this.arg.push(undefined);
    }
    // Hand out low slots first.
    for (let i = to - 1; i >= from; i--) this.free.push(i);
    this.capacity = to;
  }
}

function extend<T extends Float64Array | Uint32Array | Uint8Array>(old: T, bigger: T): T {
  bigger.set(old as never);
  return bigger;
}
