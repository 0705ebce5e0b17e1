import FastPriorityQueue from "fastpriorityqueue";
import { defineKind, Priority, Simulation, US } from "../engine/index.js";

/**
 * The classic "hold" model: P pending events; each handler reschedules itself at
 * now + Exp(mean 1 us). Returns events per second of wall time, measured after a warm-up.
 */
export function holdEngine(pending: number, events: number, seed = 1): number {
  const sim = new Simulation({ seed });
  const rng = sim.streams.get("hold");
  const kind = defineKind("bench", "hold");
  const mean = 1 * US;
  // run() is the loop the simulator uses; the handler stops it after `left` events.
  let left = 0;
  const hold = (): void => {
    sim.schedule(Math.floor(rng.exponential(mean) + 0.5), hold, Priority.NORMAL, kind);
    if (--left === 0) sim.stop();
  };
  for (let i = 0; i < pending; i++) {
    sim.schedule(Math.floor(rng.exponential(mean) + 0.5), hold, Priority.NORMAL, kind);
  }
  left = Math.min(events, 1_000_000); // warm-up
  sim.run();
  left = events;
  const t0 = process.hrtime.bigint();
  sim.run();
  return events / (Number(process.hrtime.bigint() - t0) / 1e9);
}

interface RawEvent {
  time: number;
  seq: number;
}

/**
 * The floor: the same shape straight on fastpriorityqueue (event objects, Math.random), with
 * no engine around it: no handlers, streams, fingerprint or cancellation.
 */
export function holdRawQueue(pending: number, events: number): number {
  const q = new FastPriorityQueue<RawEvent>(
    (a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq),
  );
  let seq = 0;
  const mean = 1000;
  const next = (now: number): RawEvent => ({
    time: now + Math.floor(-mean * Math.log(1 - Math.random()) + 0.5),
    seq: seq++,
  });
  for (let i = 0; i < pending; i++) q.add(next(0));
  const loop = (n: number): void => {
    for (let i = 0; i < n; i++) q.replaceTop(next(q.peek()!.time));
  };
  loop(Math.min(events, 1_000_000));
  const t0 = process.hrtime.bigint();
  loop(events);
  return events / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** The queue operations the raw loops below need. */
interface SlotQueue {
  add(slot: number): void;
  peek(): number | undefined;
  replaceTop(slot: number): void;
}

/**
 * The engine's data layout without the engine: slots in a queue ordered by (time, order) read
 * from typed arrays, the same comparator; no handlers, streams, fingerprint or cancellation.
 * `arity` 2 is fastpriorityqueue; 4 is a 4-ary heap (bench only: it shows whether the heap's
 * shape is what limits the kernel).
 */
export function holdRawTyped(pending: number, events: number, arity: 2 | 4): number {
  const time = new Float64Array(pending);
  const order = new Float64Array(pending);
  const before = (a: number, b: number): boolean => {
    const ta = time[a]!;
    const tb = time[b]!;
    return ta !== tb ? ta < tb : order[a]! < order[b]!;
  };
  const q: SlotQueue = arity === 2 ? new FastPriorityQueue<number>(before) : new QuadHeap(before);
  let seq = 0;
  const mean = 1000;
  const draw = (): number => Math.floor(-mean * Math.log(1 - Math.random()) + 0.5);
  for (let i = 0; i < pending; i++) {
    time[i] = draw();
    order[i] = seq++;
    q.add(i);
  }
  const loop = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const s = q.peek()!;
      time[s] = time[s]! + draw();
      order[s] = seq++;
      q.replaceTop(s);
    }
  };
  loop(Math.min(events, 1_000_000));
  const t0 = process.hrtime.bigint();
  loop(events);
  return events / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** A 4-ary min-heap of slots with fastpriorityqueue's comparator convention (bench only). */
class QuadHeap implements SlotQueue {
  private readonly a: number[] = [];
  private size = 0;

  constructor(private readonly less: (a: number, b: number) => boolean) {}

  peek(): number | undefined {
    return this.size > 0 ? this.a[0] : undefined;
  }

  add(x: number): void {
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const ap = a[p]!;
      if (!this.less(x, ap)) break;
      a[i] = ap;
      i = p;
    }
    a[i] = x;
  }

  replaceTop(x: number): void {
    const a = this.a;
    const n = this.size;
    let i = 0;
    for (;;) {
      const c = 4 * i + 1;
      if (c >= n) break;
      let best = c;
      let bv = a[c]!;
      const end = Math.min(c + 4, n);
      for (let j = c + 1; j < end; j++) {
        const v = a[j]!;
        if (this.less(v, bv)) {
          best = j;
          bv = v;
        }
      }
      if (!this.less(bv, x)) break;
      a[i] = bv;
      i = best;
    }
    a[i] = x;
  }
}
