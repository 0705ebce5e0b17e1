import { formatDuration, parseDistribution, S } from "../engine/index.js";
import { expandVectors } from "../model/traffic/traffic.js";
import { InputError } from "./errors.js";
import type { PreparedScenario } from "./runner.js";

/**
 * Simulation events per interrupt raised, an upper bound over the shipped presets (arrival, ITS
 * translation, LPI take, delivery; about 2 to 3.5 measured) plus margin.
 */
export const EVENTS_PER_INTERRUPT = 4;

/** Above this estimate a run is refused unless --force: about two minutes at the rate below. */
export const MAX_EVENTS_PER_RUN = 200_000_000;

/** A rough single-core speed, only to say how long a run would take. */
export const EVENTS_PER_SECOND = 2_000_000;

export interface Workload {
  /** Interrupts raised by the traffic if no source were ever gated or stalled. */
  interrupts: number;
  /** Estimated simulation events of one run. */
  events: number;
}

/**
 * The work of one run, estimated from the scenario alone: each traffic source's rate over the
 * time it may raise, times the vectors it covers (an upper bound: gates and NAPI only lower it),
 * plus the NIC packet load (one interrupt per packet at most) and the ITS background commands.
 */
export function estimateWorkload(prep: PreparedScenario): Workload {
  const sc = prep.scenario;
  let interrupts = 0;
  for (const t of sc.traffic) {
    const vectors = expandVectors(t.vectors, prep.groups).length;
    const stop = Math.min(t.stop ?? sc.duration, sc.duration);
    const seconds = Math.max(0, stop - t.start) / S;
    let rate = 0;
    if (t.poisson) rate = t.poisson.rate;
    else if (t.periodic) rate = S / t.periodic.period;
    else if (t.onoff) {
      const on = parseDistribution(t.onoff.on).mean;
      const off = parseDistribution(t.onoff.off).mean;
      rate = on + off > 0 ? (t.onoff.rate * on) / (on + off) : t.onoff.rate;
    }
    interrupts += vectors * rate * seconds;
  }
  // NIC packets: at most one interrupt per packet on each vector the driver allocates.
  if (sc.nic !== undefined) {
    const stop = Math.min(sc.nic.stop ?? sc.duration, sc.duration);
    const seconds = Math.max(0, stop - sc.nic.start) / S;
    interrupts += (sc.nic.rxPps + sc.nic.txPps) * prep.numMsi * seconds;
  }
  const background = prep.params.its.background.rate * (sc.duration / S);
  return { interrupts, events: EVENTS_PER_INTERRUPT * interrupts + 2 * background };
}

/** "40 s", "12 min", "5.6 h", "3.1 days": a wall-clock estimate. */
export function wallTime(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toPrecision(2)} h`;
  return `${(seconds / 86400).toPrecision(2)} days`;
}

/** "12,345", "3.4 million", "2 billion", "4e12". */
function count(n: number): string {
  const p = (x: number) => String(Number(x.toPrecision(2)));
  if (n >= 1e12) return n.toExponential(0).replace("+", "");
  if (n >= 1e9) return `${p(n / 1e9)} billion`;
  if (n >= 1e6) return `${p(n / 1e6)} million`;
  return Math.round(n).toLocaleString("en-US");
}

/**
 * Refuses a scenario whose runs would each take longer than the limit (unless `force`), saying
 * how much work it implies and roughly how long that would take. `runs` is the number of runs
 * the command would make (runs x profiles for a batch), for the message.
 */
export function checkWorkload(prep: PreparedScenario, force: boolean, runs = 1): void {
  const w = estimateWorkload(prep);
  if (force || w.events <= MAX_EVENTS_PER_RUN) return;
  const seconds = w.events / EVENTS_PER_SECOND;
  const total = runs > 1 ? ` per run, ${runs} runs` : "";
  throw new InputError(
    `the scenario implies about ${count(w.events)} simulation events${total} (${count(w.interrupts)} interrupts over duration ${formatDuration(prep.scenario.duration)}): about ${wallTime(seconds)} per run at ~${count(EVENTS_PER_SECOND)} events/s, above the limit of ${count(MAX_EVENTS_PER_RUN)} events per run. Shorten duration or lower the traffic rates, or give --force to run it anyway`,
  );
}

/**
 * A trace (--trace, --log=irq) keeps a record per interrupt in memory and writes them as one
 * JSON document or log: beyond this it would exhaust the heap (or the longest string) instead.
 */
export const MAX_TRACED_INTERRUPTS = 2_000_000;

/** Refuses to trace a run with more interrupts than a trace can hold (--force cannot help). */
export function checkTraceable(prep: PreparedScenario, what: string): void {
  const w = estimateWorkload(prep);
  if (w.interrupts <= MAX_TRACED_INTERRUPTS) return;
  throw new InputError(
    `${what}: the run raises about ${count(w.interrupts)} interrupts, and a trace keeps each in memory (at most ${count(MAX_TRACED_INTERRUPTS)}): shorten duration or lower the traffic rates to trace it`,
  );
}
