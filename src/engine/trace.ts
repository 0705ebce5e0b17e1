import type { Time } from "./time.js";

export type TraceFields = Readonly<Record<string, string | number | boolean | null>>;

/** Receives (time, component, kind, fields). Callers guard with `if (sim.trace !== null)`. */
export interface TraceSink {
  record(time: Time, component: string, kind: string, fields?: TraceFields): void;
}

export interface TraceRecord {
  readonly time: Time;
  readonly component: string;
  readonly kind: string;
  readonly fields: TraceFields;
}

const NO_FIELDS: TraceFields = Object.freeze({});

/** Keeps every record in memory, in call order (which is time order). */
export class MemoryTrace implements TraceSink {
  readonly records: TraceRecord[] = [];
  record(time: Time, component: string, kind: string, fields: TraceFields = NO_FIELDS): void {
    this.records.push({ time, component, kind, fields });
  }
}
