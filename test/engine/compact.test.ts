import fc from "fast-check";
import type FastPriorityQueue from "fastpriorityqueue";
import { describe, expect, it } from "vitest";
import { type EventHandle, Priority, Simulation } from "../../src/engine/index.js";

// Cancelled events are dropped from the heap lazily: at the top, or all at once when they
// outnumber the pending ones. Neither may change what runs or in which order.

/** Entries in the kernel's heap, cancelled ones included (white box, for the bound only). */
function heapSize(sim: Simulation): number {
  return (sim as unknown as { queue: { size: number } }).queue.size;
}

/**
 * A simulation whose queue shows only fastpriorityqueue's public API (no `array`), so that
 * compaction takes its removeMany() path.
 */
function withPublicQueueOnly(sim: Simulation): Simulation {
  const holder = sim as unknown as { queue: FastPriorityQueue<number> };
  const inner = holder.queue;
  holder.queue = {
    get size() {
      return inner.size;
    },
    add: (x: number) => inner.add(x),
    peek: () => inner.peek(),
    poll: () => inner.poll(),
    replaceTop: (x: number) => inner.replaceTop(x),
    removeMany: (f: (x: number) => boolean, limit?: number) => inner.removeMany(f, limit),
    heapify: (a: number[]) => inner.heapify(a),
  } as unknown as FastPriorityQueue<number>;
  return sim;
}

describe("cancelled events", () => {
  it.each([
    ["", (s: Simulation) => s],
    [" (public queue API only)", withPublicQueueOnly],
  ])("do not pile up in the heap: long timeouts cancelled early%s", (_, make) => {
    const sim = make(new Simulation());
    const ran: number[] = [];
    let maxHeap = 0;
    let timeouts = 0;
    // Every 1 us a step arms a 1 s timeout and cancels the previous one.
    let armed: EventHandle | null = null;
    const step = (): void => {
      ran.push(sim.now);
      sim.cancel(armed);
      armed = sim.schedule(1_000_000_000, () => timeouts++, Priority.NORMAL);
      maxHeap = Math.max(maxHeap, heapSize(sim));
      if (ran.length < 20_000) sim.schedule(1000, step);
    };
    sim.schedule(0, step);
    sim.run();
    expect(ran.length).toBe(20_000);
    expect(ran.every((t, i) => t === i * 1000)).toBe(true);
    // Only the last timeout was never cancelled.
    expect(timeouts).toBe(1);
    expect(sim.pending).toBe(0);
    expect(maxHeap).toBeLessThan(200);
  });

  it.each([
    ["", (s: Simulation) => s],
    [" (public queue API only)", withPublicQueueOnly],
  ])("keep every pending event, in order, when most entries are cancelled%s", (_, make) => {
    const sim = make(new Simulation());
    const ran: string[] = [];
    let x = 7;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    const expected: Array<[number, number, number, string]> = [];
    let seq = 0;
    // Pending events spread over the heap, between rounds of cancelled ones (more than the
    // pending ones, so that each round ends in a compaction).
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 20; i++) {
        const t = rnd(1000);
        const p = rnd(4);
        const label = `${round}.${i}`;
        expected.push([t, p, seq++, label]);
        sim.schedule(t, () => ran.push(label), p);
      }
      for (let i = 0; i < 300; i++) {
        const h = sim.schedule(rnd(1000), () => ran.push("cancelled"), rnd(4));
        seq++;
        expect(sim.cancel(h)).toBe(true);
      }
      // top() compacts.
      expect(Number.isFinite(sim.peekTime())).toBe(true);
      expect(heapSize(sim)).toBe(sim.pending);
    }
    sim.run();
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    expect(ran).toEqual(expected.map((e) => e[3]));
  });

  it("large random programs with many cancellations run as on a naive scheduler", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 95 }),
        fc.boolean(),
        (seed, cancelPercent, publicOnly) => {
          const sim = publicOnly ? withPublicQueueOnly(new Simulation()) : new Simulation();
          const a = program(
            {
              now: () => sim.now,
              schedule: (d, f, p) => sim.schedule(d, f, p),
              cancel: (h) => sim.cancel(h),
              run: (until) => sim.run({ until }),
            },
            seed,
            cancelPercent,
          );
          const b = program(naiveScheduler(), seed, cancelPercent);
          expect(a).toEqual(b);
          expect(a.length).toBe(sim.dispatched);
        },
      ),
      { numRuns: 40 },
    );
  });
});

interface Scheduler {
  now(): number;
  schedule(delay: number, fn: () => void, priority: number): number;
  cancel(handle: number): boolean;
  run(until: number): void;
}

/** A random program of events that schedule and cancel others; returns what ran, when. */
function program(s: Scheduler, seed: number, cancelPercent: number): string[] {
  let x = seed;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const log: string[] = [];
  const handles: number[] = [];
  let id = 0;
  const add = (): void => {
    // A third are long timeouts: they are cancelled (or run) long after they were armed.
    const delay = rnd(3) === 0 ? 1_000_000 + rnd(1000) : rnd(50);
    const me = id++;
    handles.push(
      s.schedule(
        delay,
        () => {
          log.push(`${s.now()} ${me}`);
          for (let i = rnd(3); i > 0; i--) add();
          if (rnd(100) < cancelPercent) cancelOne();
        },
        rnd(4),
      ),
    );
  };
  const cancelOne = (): void => {
    if (handles.length > 0) s.cancel(handles[rnd(handles.length)]!);
  };
  for (let i = 0; i < 300; i++) add();
  for (let i = 0; i < 150; i++) cancelOne();
  s.run(3_000_000);
  return log;
}

/** The obvious scheduler: a list scanned for its (time, priority, sequence) minimum. */
function naiveScheduler(): Scheduler {
  const evs: Array<{ t: number; p: number; seq: number; fn: () => void; live: boolean }> = [];
  let now = 0;
  return {
    now: () => now,
    schedule(delay, fn, p) {
      evs.push({ t: now + delay, p, seq: evs.length, fn, live: true });
      return evs.length - 1;
    },
    cancel(h) {
      const e = evs[h]!;
      const was = e.live;
      e.live = false;
      return was;
    },
    run(until) {
      for (;;) {
        let best: (typeof evs)[number] | undefined;
        for (const e of evs) {
          if (!e.live) continue;
          if (
            best === undefined ||
            e.t < best.t ||
            (e.t === best.t && (e.p < best.p || (e.p === best.p && e.seq < best.seq)))
          ) {
            best = e;
          }
        }
        if (best === undefined || best.t > until) return;
        best.live = false;
        now = best.t;
        best.fn();
      }
    },
  };
}
