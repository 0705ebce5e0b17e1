import type { Time } from "../engine/index.js";
import type { DeliveryRecord, DropRecord } from "./accounting.js";
import type { Machine } from "./machine.js";
import { DROP_CAUSES, type DropCause } from "./outcomes.js";
import { ITS_COMMANDS, type ItsCommandName } from "./params.js";
import type { ProfileName } from "./profiles.js";
import type { CycleRecord } from "./qemu/vfio-msix.js";
import type { Timeline } from "./timeline.js";

export interface VectorCounts {
  vector: number;
  generated: number;
  delivered: number;
  coalesced: number;
  pendingEnd: number;
  dropped: number;
  droppedByCause: Record<DropCause, number>;
}

export interface IrqTotals {
  generated: number;
  delivered: number;
  coalesced: number;
  pendingEnd: number;
  dropped: number;
  droppedByCause: Record<DropCause, number>;
}

/**
 * Everything one run leaves behind, as plain data: what analysis (windows, summaries, CSV)
 * reads. It holds no model objects except the timeline of control-plane state.
 */
export interface RunRecord {
  profile: ProfileName;
  seed: number | string;
  end: Time;
  irq: IrqTotals;
  /** Vectors that generated at least one interrupt. */
  vectors: VectorCounts[];
  latency: { count: number; meanNs: number; p50Ns: number; p99Ns: number; maxNs: number };
  cycles: CycleRecord[];
  resizeCycles: number;
  vectorGrowths: number;
  setIrqsCalls: number;
  its: Record<ItsCommandName, number> & {
    mapdValid: number;
    mapdInvalid: number;
    timeouts: number;
    notDraining: number;
    commandErrors: number;
  };
  events: number;
  fingerprint: string;
  timeline: Timeline;
  tableSize: number;
  lpiTakeLatency: Time;
  pbaSurvivesDisable: boolean;
  drops: DropRecord[] | null;
  deliveries: DeliveryRecord[] | null;
  coalesces: Array<{ vector: number; at: Time }> | null;
}

/**
 * A zero count per cause. Stores, not a copy of a frozen template: spreading a frozen object
 * (or one from Object.fromEntries) takes V8's slow path on every call.
 */
function emptyCauses(): Record<DropCause, number> {
  const o = {} as Record<DropCause, number>;
  for (let i = 0; i < DROP_CAUSES.length; i++) o[DROP_CAUSES[i]!] = 0;
  return o;
}

/**
 * Collects the record at the end of a run and checks conservation for every vector:
 * generated = delivered + coalesced + pending + dropped. A violation is a model bug and throws.
 */
export function collectRecord(m: Machine, seed: number | string): RunRecord {
  const a = m.acct;
  const pending = m.pendingByVector();
  const irq: IrqTotals = {
    generated: 0,
    delivered: 0,
    coalesced: 0,
    pendingEnd: 0,
    dropped: 0,
    droppedByCause: emptyCauses(),
  };
  const vectors: VectorCounts[] = [];
  const total = irq.droppedByCause;
  // Every vector of the table is checked; only those that generated anything are kept, and
  // only they get a per-cause object (a table has up to 2,048 entries, most of them idle).
  for (let v = 0; v < a.vectors; v++) {
    const generated = a.generated[v]!;
    const delivered = a.delivered[v]!;
    const coalesced = a.coalesced[v]!;
    const pendingEnd = pending[v]!;
    const dropped = a.droppedTotal(v);
    const accounted = delivered + coalesced + pendingEnd + dropped;
    if (accounted !== generated) {
      throw new Error(
        `conservation violated on vector ${v}: generated ${generated} != delivered ${delivered} + coalesced ${coalesced} + pending ${pendingEnd} + dropped ${dropped}`,
      );
    }
    irq.generated += generated;
    irq.delivered += delivered;
    irq.coalesced += coalesced;
    irq.pendingEnd += pendingEnd;
    irq.dropped += dropped;
    if (generated === 0) continue;
    const byCause = emptyCauses();
    for (let i = 0; i < DROP_CAUSES.length; i++) {
      const c = DROP_CAUSES[i]!;
      const n = a.droppedOf(v, i);
      byCause[c] = n;
      total[c] += n;
    }
    vectors.push({
      vector: v,
      generated,
      delivered,
      coalesced,
      pendingEnd,
      dropped,
      droppedByCause: byCause,
    });
  }
  const counts = m.itsDriver.counts;
  const its = {} as RunRecord["its"];
  for (let i = 0; i < ITS_COMMANDS.length; i++) {
    const c = ITS_COMMANDS[i]!;
    its[c] = counts.byType[c];
  }
  its.mapdValid = counts.mapdValid;
  its.mapdInvalid = counts.mapdInvalid;
  its.timeouts = counts.timeouts;
  its.notDraining = counts.notDraining;
  its.commandErrors = m.its.commandErrors;
  const h = a.latency;
  return {
    profile: m.profile.name,
    seed,
    end: m.until,
    irq,
    vectors,
    latency: {
      count: h.count,
      meanNs: h.count > 0 ? Math.round(h.sum / h.count) : 0,
      p50Ns: h.quantile(0.5),
      p99Ns: h.quantile(0.99),
      maxNs: h.max,
    },
    cycles: m.qemu.cycles.map((c) => ({ ...c })),
    resizeCycles: m.qemu.cycles.filter((c) => c.kind === "resize").length,
    vectorGrowths: m.qemu.vectorGrowths,
    setIrqsCalls: m.qemu.setIrqsCalls,
    its,
    events: m.sim.dispatched,
    fingerprint: m.sim.fingerprint.hex(),
    timeline: m.timeline,
    tableSize: m.params.device.tableSize,
    lpiTakeLatency: m.params.host.lpiTakeLatency,
    pbaSurvivesDisable: m.params.device.pbaSurvivesDisable,
    drops: a.drops,
    deliveries: a.deliveries,
    coalesces: a.coalesces,
  };
}
