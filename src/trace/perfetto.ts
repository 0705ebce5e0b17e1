import type { Window } from "../analysis/windows.js";
import type { TraceRecord } from "../engine/index.js";
import { causeName } from "../model/outcomes.js";
import type { RunRecord } from "../model/run-record.js";
import { Track } from "../model/timeline.js";

/**
 * A run as Chrome Trace Event / Perfetto JSON (opens in ui.perfetto.dev): one process per layer,
 * one track (thread) per vector at the device; drop windows as slices on their vector's track;
 * every interrupt an instant event coloured by its outcome; MSI-X state, ITS commands, vfio
 * ioctls, QEMU cycles and the guest driver as slices and instants.
 */
export interface TraceEvent {
  name: string;
  ph: "X" | "i" | "M";
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  s?: "t";
  cat?: string;
  cname?: string;
  args?: Record<string, unknown>;
}

const PID = { device: 1, its: 2, host: 3, qemu: 4, guest: 5 } as const;
const TID = { msix: 1000, itsQueue: 1, vfio: 1, qemu: 1, guestDriver: 1, guestMsix: 2 } as const;

/** Trace timestamps are microseconds; ours are integer ns. */
const us = (ns: number): number => ns / 1000;

export function perfettoTrace(
  record: RunRecord,
  windows: readonly Window[],
  log: readonly TraceRecord[],
): { traceEvents: TraceEvent[]; displayTimeUnit: "ns"; otherData: Record<string, unknown> } {
  const ev: TraceEvent[] = [];
  const meta = (pid: number, tid: number | null, name: string, sort?: number) => {
    if (tid === null)
      ev.push({ name: "process_name", ph: "M", pid, tid: 0, ts: 0, args: { name } });
    else {
      ev.push({ name: "thread_name", ph: "M", pid, tid, ts: 0, args: { name } });
      if (sort !== undefined)
        ev.push({
          name: "thread_sort_index",
          ph: "M",
          pid,
          tid,
          ts: 0,
          args: { sort_index: sort },
        });
    }
  };
  meta(PID.device, null, "device (physical function MSI-X)");
  meta(PID.its, null, "ITS");
  meta(PID.host, null, "host (vfio-pci, genirq, PCI MSI)");
  meta(PID.qemu, null, "QEMU");
  meta(PID.guest, null, "guest");
  meta(PID.device, TID.msix, "MSI-X state", -1);
  meta(PID.its, TID.itsQueue, "command queue");
  meta(PID.host, TID.vfio, "vfio ioctls");
  meta(PID.qemu, TID.qemu, "vfio-pci MSI-X");
  meta(PID.guest, TID.guestDriver, "driver");
  meta(PID.guest, TID.guestMsix, "MSI-X programming");

  const vectors = new Set<number>([
    ...record.vectors.map((v) => v.vector),
    ...windows.map((w) => w.vector),
  ]);
  for (const v of [...vectors].sort((a, b) => a - b)) meta(PID.device, v, `vector ${v}`, v);

  // MSI-X Enable clear and Function Mask set, as slices.
  stateSlices(record, Track.ENABLE, 0, "MSI-X disabled", ev, PID.device, TID.msix, record.end, 0);
  stateSlices(record, Track.FMASK, 1, "Function Mask", ev, PID.device, TID.msix, record.end, 0);

  for (const w of windows) {
    ev.push({
      name: `drop window: ${w.cause}`,
      ph: "X",
      pid: PID.device,
      tid: w.vector,
      ts: us(w.start),
      dur: us(w.end - w.start),
      cat: "window",
      cname: "terrible",
      args: { cause: w.cause, duration_ns: w.end - w.start },
    });
  }
  for (const d of record.deliveries ?? []) {
    ev.push(
      instant("delivered", PID.device, d.vector, d.raisedAt, "good", {
        latency_ns: d.at - d.raisedAt,
      }),
    );
  }
  for (const d of record.drops ?? []) {
    const cause = causeName(d.cause);
    ev.push(
      instant(`dropped: ${cause}`, PID.device, d.vector, d.raisedAt, "bad", {
        cause,
        dropped_at_ns: d.at,
      }),
    );
  }
  for (const c of record.coalesces ?? []) {
    ev.push(instant("coalesced", PID.device, c.vector, c.at, "yellow", {}));
  }

  // Control plane from the log: ITS commands posted -> completed, ioctls, cycles, guest actions.
  const posted: Array<{ ts: number; op: string; args: Record<string, unknown> }> = [];
  const ioctls: Array<{ ts: number; args: Record<string, unknown> }> = [];
  const cycles: Array<{ ts: number; args: Record<string, unknown> }> = [];
  for (const r of log) {
    const args = { ...r.fields } as Record<string, unknown>;
    if (r.component === "its" && r.kind === "post")
      posted.push({ ts: r.time, op: String(r.fields.op), args });
    else if (r.component === "its" && r.kind === "complete") {
      const p = posted.shift();
      if (p !== undefined) {
        ev.push({
          name: p.op,
          ph: "X",
          pid: PID.its,
          tid: TID.itsQueue,
          ts: us(p.ts),
          dur: us(r.time - p.ts),
          cat: "its",
          args: { ...p.args, ...args },
        });
      }
    } else if (r.component === "host" && r.kind === "VFIO_DEVICE_SET_IRQS")
      ioctls.push({ ts: r.time, args });
    else if (r.component === "host" && r.kind === "VFIO_DEVICE_SET_IRQS returns") {
      const s = ioctls.pop();
      if (s !== undefined) {
        ev.push({
          name: `SET_IRQS ${s.args.data === "NONE" ? "disable" : `start=${s.args.start} count=${s.args.count}`}`,
          ph: "X",
          pid: PID.host,
          tid: TID.vfio,
          ts: us(s.ts),
          dur: us(r.time - s.ts),
          cat: "vfio",
          args: { ...s.args, ...args },
        });
      }
    } else if (r.component === "qemu" && r.kind === "resize cycle start")
      cycles.push({ ts: r.time, args });
    else if (r.component === "qemu" && r.kind === "resize cycle end") {
      const s = cycles.pop();
      if (s !== undefined) {
        ev.push({
          name: `resize cycle (nr=${s.args.nr})`,
          ph: "X",
          pid: PID.qemu,
          tid: TID.qemu,
          ts: us(s.ts),
          dur: us(r.time - s.ts),
          cat: "qemu",
          cname: "olive",
          args: s.args,
        });
      }
    } else if (r.component === "qemu" || r.component === "hns3" || r.component === "guest") {
      const pid = r.component === "qemu" ? PID.qemu : PID.guest;
      const tid =
        r.component === "qemu"
          ? TID.qemu
          : r.component === "hns3"
            ? TID.guestDriver
            : TID.guestMsix;
      // The driver's verdict at the end of the run: red when it failed.
      const cname = r.kind.startsWith("verdict:")
        ? r.kind === "verdict: ok"
          ? "good"
          : "terrible"
        : undefined;
      ev.push(instant(r.kind, pid, tid, r.time, cname, args));
    } else if (r.component === "host" || r.component === "its") {
      ev.push(
        instant(r.kind, r.component === "its" ? PID.its : PID.host, 1, r.time, undefined, args),
      );
    }
  }

  // The run lasts until its duration, whatever happened last: the timeline ends there.
  ev.push(
    instant("end of run", PID.device, TID.msix, record.end, undefined, {
      duration_ns: record.end,
    }),
  );

  // Non-decreasing timestamps within each track; metadata first.
  ev.sort((a, b) => {
    if ((a.ph === "M") !== (b.ph === "M")) return a.ph === "M" ? -1 : 1;
    return a.pid - b.pid || a.tid - b.tid || a.ts - b.ts;
  });
  return {
    traceEvents: ev,
    displayTimeUnit: "ns",
    otherData: { profile: record.profile, seed: record.seed, fingerprint: record.fingerprint },
  };
}

function instant(
  name: string,
  pid: number,
  tid: number,
  ns: number,
  cname: string | undefined,
  args: Record<string, unknown>,
): TraceEvent {
  const e: TraceEvent = { name, ph: "i", s: "t", pid, tid, ts: us(ns), args };
  if (cname !== undefined) e.cname = cname;
  return e;
}

/** Slices where a 0/1 track has `value`. */
function stateSlices(
  record: RunRecord,
  kind: number,
  value: number,
  name: string,
  ev: TraceEvent[],
  pid: number,
  tid: number,
  end: number,
  initial: number,
): void {
  const f = record.timeline.get(kind as never, 0);
  const times = [0, ...(f?.times ?? [])];
  const values = [initial, ...(f?.values ?? [])];
  for (let i = 0; i < times.length; i++) {
    if (values[i] !== value) continue;
    const from = times[i]!;
    const to = i + 1 < times.length ? times[i + 1]! : end;
    if (to > from)
      ev.push({ name, ph: "X", pid, tid, ts: us(from), dur: us(to - from), cat: "msix" });
  }
}
