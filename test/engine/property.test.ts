import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EventHandle, Simulation } from "../../src/engine/index.js";

/**
 * Random schedule/cancel programs, including handlers that schedule and cancel from inside
 * dispatch (the replaceTop fast path): events come out in (time, priority, sequence) order,
 * each scheduled event runs exactly once unless cancelled first, and cancelled ones never run.
 */
type Op =
  | { kind: "schedule"; delay: number; priority: number; children: number[] }
  | { kind: "cancel"; target: number }
  | { kind: "advance"; by: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("schedule" as const),
      delay: fc.integer({ min: 0, max: 50 }),
      priority: fc.integer({ min: 0, max: 3 }),
      children: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("cancel" as const), target: fc.nat(200) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      by: fc.integer({ min: 0, max: 30 }),
    }),
  },
);

interface Ev {
  id: number;
  time: number;
  priority: number;
  seq: number;
  handle: EventHandle;
  cancelled: boolean;
  runs: number;
  /** The sequence counter when this event was dispatched. */
  seqAtDispatch: number;
}

describe("engine properties", () => {
  it("orders by (time, priority, sequence), loses and duplicates nothing", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const sim = new Simulation();
        const events: Ev[] = [];
        const order: Ev[] = [];
        let seq = 0;
        const add = (delay: number, priority: number, children: number[]): Ev => {
          const ev: Ev = {
            id: events.length,
            time: sim.now + delay,
            priority,
            seq: seq++,
            handle: -1,
            cancelled: false,
            runs: 0,
            seqAtDispatch: -1,
          };
          events.push(ev);
          ev.handle = sim.schedule(
            delay,
            () => {
              ev.runs++;
              ev.seqAtDispatch = seq;
              order.push(ev);
              for (const c of children) {
                if (c % 4 === 3 && events.length > 0) {
                  // Cancel from inside a handler.
                  const t = events[c % events.length]!;
                  if (sim.cancel(t.handle)) t.cancelled = true;
                } else {
                  add(c, c % 3, []);
                }
              }
            },
            priority,
          );
          return ev;
        };
        for (const op of ops) {
          if (op.kind === "schedule") add(op.delay, op.priority, op.children);
          else if (op.kind === "cancel" && events.length > 0) {
            const t = events[op.target % events.length]!;
            const ok = sim.cancel(t.handle);
            expect(ok).toBe(!t.cancelled && t.runs === 0);
            if (ok) t.cancelled = true;
          } else if (op.kind === "advance") {
            sim.run({ until: sim.now + op.by });
          }
        }
        sim.run();
        for (const ev of events) {
          expect(ev.runs).toBe(ev.cancelled ? 0 : 1);
        }
        expect(sim.pending).toBe(0);
        expect(sim.dispatched).toBe(order.length);
        for (let i = 1; i < order.length; i++) {
          const a = order[i - 1]!;
          const b = order[i]!;
          const inOrder =
            a.time < b.time ||
            (a.time === b.time &&
              (a.priority < b.priority ||
                (a.priority === b.priority && a.seq < b.seq) ||
                // b did not exist yet when a was dispatched (a handler scheduled it for now).
                b.seq >= a.seqAtDispatch));
          expect(inOrder).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
