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
  const hold = (): void => {
    sim.schedule(Math.floor(rng.exponential(mean) + 0.5), hold, Priority.NORMAL, kind);
  };
  for (let i = 0; i < pending; i++) {
    sim.schedule(Math.floor(rng.exponential(mean) + 0.5), hold, Priority.NORMAL, kind);
  }
  const warmup = Math.min(events, 1_000_000);
  for (let i = 0; i < warmup; i++) sim.step();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events; i++) sim.step();
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
