import { S, type Simulation, type Time } from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import type { NicQueue } from "./netdev.js";

/** Per-queue memory of the check (tx_ring->prev_pkt) and the stall it last looked at. */
interface RingState {
  /** prev_pkt: the completed-packet count seen with descriptors pending, or -1. */
  prevPkt: number;
  /** The stall (napi.stalledSince) the first-transmit draw below belongs to, or -1. */
  stallAt: Time;
  /** When the first packet queued after that stall is transmitted (descriptors pending). */
  firstTx: Time;
}

/**
 * A driver's software check for hung TX queues, run from its periodic service task:
 * ice_check_for_hang_subtask (ice_main.c; i40e_detect_recover_hung is the same idea). With the
 * PF VSI up and the carrier on, for each TX ring: if the ring's completed-packet count has not
 * moved since the last check, and the last check saw descriptors pending (prev_pkt == packets),
 * it fires a software interrupt on the ring's vector (ice_trigger_sw_intr writes GLINT_DYN_CTL
 * with SWINT_TRIG | INTENA: the vector is re-enabled and raises an MSI-X message, NAPI runs and
 * cleans the ring); otherwise it records prev_pkt = packets when descriptors are pending
 * (ice_get_tx_pending), else -1. A queue whose interrupt was lost is therefore revived at the
 * second check after it stalled, if it had something to send; an RX-only queue never is.
 *
 * The model: `packets` is the queue's NAPI poll count (every poll cleans the ring). A healthy
 * queue's ring is taken as empty at the check (its completions are reaped within microseconds
 * of each interrupt), so prev_pkt stays -1 until it stalls [assumed]. A stalled queue has
 * descriptors pending once its stack has transmitted after the stall (one exponential draw per
 * stall from the queue's own stream) or once the queue is stopped.
 */
export class TxHangCheck {
  /** Software interrupts fired (ice_trigger_sw_intr). */
  triggers = 0;
  private readonly state = new Map<NicQueue, RingState>();

  constructor(
    private readonly sim: Simulation,
    /** ice_trigger_sw_intr: the device raises the queue's vector now. */
    private readonly trigger: (q: NicQueue) => void,
    private readonly cpu: Cpu,
  ) {}

  /** One run of the check over the rings in use (the caller checks VSI up and carrier on). */
  run(queues: readonly NicQueue[]): void {
    const now = this.sim.now;
    for (const q of queues) {
      const st = this.ringState(q);
      const packets = q.napi.polls;
      if (st.prevPkt === packets) {
        this.triggers++;
        if (this.cpu.on)
          this.cpu.log("ice_trigger_sw_intr", { vector: q.vector.vector, prev_pkt: packets });
        this.trigger(q);
        continue; // prev_pkt is left as it is: no progress by the next run triggers again
      }
      st.prevPkt = this.txPending(q, st, now) ? packets : -1;
    }
  }

  /** The rings of a VSI were re-created (ice_setup_tx_ring: prev_pkt = -1). */
  reset(queues: readonly NicQueue[]): void {
    for (const q of queues) {
      const st = this.ringState(q);
      st.prevPkt = -1;
      st.stallAt = -1;
    }
  }

  /** A stalled queue that this check will revive (descriptors pending now or before the load ends). */
  willRevive(q: NicQueue, now: Time): boolean {
    if (!q.napi.stalled) return false;
    const st = this.ringState(q);
    if (this.txPending(q, st, now)) return true;
    return st.firstTx < q.vector.load.stop;
  }

  /** ice_get_tx_pending: descriptors posted and not yet cleaned. */
  private txPending(q: NicQueue, st: RingState, now: Time): boolean {
    if (!q.napi.stalled) return false;
    if (q.ring.stopped) return true;
    const since = q.napi.stalledSince;
    if (st.stallAt !== since) {
      st.stallAt = since;
      const load = q.vector.load;
      const from = Math.max(since, load.start);
      st.firstTx =
        load.txPps > 0
          ? from +
            Math.round(this.sim.streams.get(`nic/${q.ring.queue}/hang`).exponential(S / load.txPps))
          : Number.POSITIVE_INFINITY;
      if (st.firstTx >= load.stop) st.firstTx = Number.POSITIVE_INFINITY;
    }
    return now >= st.firstTx;
  }

  private ringState(q: NicQueue): RingState {
    let st = this.state.get(q);
    if (st === undefined) {
      st = { prevPkt: -1, stallAt: -1, firstTx: Number.POSITIVE_INFINITY };
      this.state.set(q, st);
    }
    return st;
  }
}
