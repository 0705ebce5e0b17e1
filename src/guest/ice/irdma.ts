import type { RandomStream } from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import type { Machine } from "../../model/machine.js";
import { CompletionQueue } from "../completion-queue.js";
import { CauseBit, EventCause } from "../event-cause.js";
import type { IceIrqTracker } from "./irq-tracker.js";
import { type IrdmaVectors, irdmaVectors } from "./layout.js";
import type { IceParams, IceTiming } from "./params.js";

/** -ENOMEM / -ETIMEDOUT as icrdma_probe returns them. */
const ENOMEM = -12;
const ETIMEDOUT = -110;

/**
 * irdma, the auxiliary RDMA driver bound to ice's "roce"/"iwarp" auxiliary device
 * (irdma/icrdma_if.c, hw.c, utils.c). icrdma_probe:
 *  1. icrdma_init_interrupts: msix_count = num_online_cpus() + 1 tracker entries, one
 *     ice_alloc_rdma_qvector each (ice_alloc_irq: the lowest free entries); nothing unmasked.
 *  2. irdma_ctrl_init_hw: CQP, HMC and CCQ set up by polled commands, then irdma_setup_ceq_0:
 *     CEQ 0 (which carries the CCQ) is requested first (irdma_cfg_ceq_vector -> request_irq) and
 *     enabled (irdma_ena_intr); from here control commands complete through the CCQ.
 *  3. irdma_rt_init_hw -> irdma_setup_ceqs: for each further CEQ a CEQ_CREATE control command,
 *     then request_irq, ascending; irdma_setup_aeq: AEQ_CREATE, then irdma_cfg_aeq_vector
 *     requests entry 0 last (unless shared with CEQ 0).
 *  4. irdma_ib_register_device: more control commands (ib core clients).
 * So with its block at B..B+C the unmasks are B+1, B+2, .., B+C (each a new maximum when the
 * block is the highest allocation), then B.
 *
 * Control commands wait with irdma_wait_event, which polls the CCQ every CQP_COMPL_WAIT_TIME_MS
 * (completion-queue.ts): a lost CEQ 0 interrupt slows commands down but fails none. The AEQ and
 * CEQs 1.. have no such fallback (not modelled: no RDMA traffic rides on them here).
 */
export class Irdma {
  readonly cqp: CompletionQueue;
  /** The irdma module is loaded: it binds whenever ice plugs its auxiliary device. */
  driverLoaded: boolean;
  /** Probed: its tracker entries are allocated (between icrdma_probe and icrdma_remove). */
  bound = false;
  /** icrdma_probe finished: the IB device is registered. */
  registered = false;
  /** The last probe failed (a control command timed out, or no vectors). */
  failed = false;
  initializing = false;
  /** Tracker entries (entries[0] = AEQ). */
  entries: number[] = [];
  /** Vectors requested so far, in request order. */
  requested: number[] = [];
  vectors: IrdmaVectors | null = null;
  probes = 0;
  /** irdma's request_reset (icrdma_request_reset -> ice_rdma_request_reset: a PFR). */
  onRequestReset: () => void = () => {};
  private readonly causes = new Map<number, EventCause>();
  private cause: EventCause | null = null;

  constructor(
    private readonly m: Machine,
    private readonly p: IceParams,
    private readonly t: IceTiming,
    private readonly rdmaVectors: number,
    private readonly tracker: () => IceIrqTracker,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {
    this.driverLoaded = p.rdmaAtProbe;
    this.cqp = new CompletionQueue(
      m.sim,
      "irdma-cqp",
      () => this.cause?.set(CauseBit.MBX), // a CCQ entry: CEQ 0 gets an event
      t.cqpResponse,
      m.sim.streams.get("guest/ice/cqp"),
      p.cqpPollInterval,
      p.cqpTimeoutThreshold,
      cpu,
    );
  }

  /** icrdma_probe: 0 or an error (the auxiliary device stays unbound). */
  *probe(): Step<number> {
    if (this.bound) return 0;
    this.probes++;
    this.bound = true;
    this.initializing = true;
    this.failed = false;
    // icrdma_init_interrupts -> ice_alloc_rdma_qvector per vector
    this.entries = this.allocEntries();
    if (this.entries.length < 2) {
      if (this.cpu.on) this.cpu.log("icrdma_init_interrupts failed", { got: this.entries.length });
      this.releaseEntries();
      return this.fail(ENOMEM);
    }
    const v = irdmaVectors(this.entries, this.p.cpus, this.p.maxCeqs);
    this.vectors = v;
    if (this.cpu.on)
      this.cpu.log("icrdma_probe", {
        first: this.entries[0]!,
        last: this.entries[this.entries.length - 1]!,
        ceqs: v.ceqs.length,
        shared: v.shared ? 1 : 0,
      });
    // irdma_ctrl_init_hw: CQP, HMC, CCQ by polled commands
    const d = this.t.irdmaInitDelay.sample(this.rng);
    if (d > 0) yield d;
    // irdma_setup_ceq_0: CEQ 0 (polled create), request_irq, irdma_ena_intr
    this.cause = this.causeFor(v.ccq);
    this.cause.clear(-1);
    yield this.request(v.ccq);
    this.cause.enable(true);
    // irdma_rt_init_hw -> irdma_setup_ceqs: CEQ_CREATE then request_irq, ascending
    for (let i = 1; i < v.ceqs.length; i++) {
      if (!(yield this.cqp.request(`CEQ_CREATE ${i}`))) return yield this.timedOut();
      yield this.request(v.ceqs[i]!); // irdma_cfg_ceq_vector
    }
    // irdma_setup_aeq: AEQ_CREATE, then irdma_cfg_aeq_vector (no request_irq when shared)
    if (!(yield this.cqp.request("AEQ_CREATE"))) return yield this.timedOut();
    if (!v.shared) yield this.request(v.aeq);
    // irdma_ib_register_device and its clients
    for (let i = 0; i < this.p.irdmaRegisterCmds; i++) {
      if (!(yield this.cqp.request(`register-${i}`))) return yield this.timedOut();
    }
    this.registered = true;
    this.initializing = false;
    return 0;
  }

  /**
   * icrdma_remove: irdma_ib_unregister_device, irdma_rt_deinit_hw / irdma_ctrl_deinit_hw
   * (irdma_destroy_aeq, irdma_del_ceqs, irdma_del_ceq_0: free_irq masks each), then
   * icrdma_deinit_interrupts -> ice_free_rdma_qvector (the entries go back to the tracker).
   */
  *remove(): Step {
    if (!this.bound) return;
    if (this.cpu.on) this.cpu.log("icrdma_remove", { requested: this.requested.length });
    this.registered = false;
    this.initializing = false;
    this.cause?.enable(false);
    const v = this.vectors;
    if (v !== null) {
      const order = v.shared ? [...v.ceqs.slice(1), v.ccq] : [v.aeq, ...v.ceqs.slice(1), v.ccq];
      const masks = order.filter((x) => this.requested.includes(x));
      if (masks.length > 0) yield this.m.guest.mask(masks);
    }
    this.requested = [];
    this.cqp.flush();
    this.releaseEntries();
    this.bound = false;
  }

  /** The device was reset under the guest (a QEMU reset): nothing is bound or loaded. */
  forget(): void {
    this.driverLoaded = false;
    this.bound = false;
    this.registered = false;
    this.initializing = false;
    this.entries = [];
    this.requested = [];
    this.cause?.enable(false);
    this.cause = null;
    this.cqp.flush();
  }

  /** CEQ 0's vector is disabled by a lost message: control commands complete by polling. */
  get ccqStuck(): boolean {
    return this.cause?.stuck ?? false;
  }

  private allocEntries(): number[] {
    const t = this.tracker();
    const out: number[] = [];
    const base = this.p.rdmaBase;
    for (let i = 0; i < this.rdmaVectors; i++) {
      if (base !== undefined) {
        if (!t.allocAt(base + i)) break;
        out.push(base + i);
      } else {
        const e = t.alloc();
        if (e < 0) break;
        out.push(e);
      }
    }
    return out;
  }

  private releaseEntries(): void {
    const t = this.tracker();
    for (const e of this.entries) t.free(e);
    this.entries = [];
  }

  /** request_irq of an RDMA vector: its MSI-X entry is unmasked. */
  private *request(v: number): Step {
    yield this.m.guest.unmask(v);
    this.requested.push(v);
  }

  /** irdma_wait_event timed out: irdma requests a reset, the probe unwinds. */
  private *timedOut(): Step<number> {
    if (this.cpu.on) this.cpu.log("irdma: CQP timeout, request_reset", {});
    this.onRequestReset();
    yield this.remove();
    return this.fail(ETIMEDOUT);
  }

  private fail(err: number): number {
    this.bound = false;
    this.failed = true;
    this.initializing = false;
    this.registered = false;
    return err;
  }

  /**
   * The event cause of CEQ 0 on vector v: irdma_ceq_dpc (or irdma_dpc when shared) processes
   * the CEQ, cqp_compl_worker reads the CCQ, and irdma_ena_intr re-enables the vector.
   */
  private causeFor(v: number): EventCause {
    let c = this.causes.get(v);
    if (c === undefined) {
      const cause = new EventCause(
        this.m.device,
        v,
        this.p.ceqCauseRefire,
        this.m.acct.bus,
        this.cpu,
      );
      this.m.acct.bus.onDelivered(v, () => {
        if (this.cause !== cause || !this.bound) return;
        cause.enable(false); // the vector fired: the hardware clears INTENA
        cause.clear(-1);
        this.cqp.receive(); // cqp_compl_worker -> irdma_cqp_ce_handler
        cause.enable(true); // irdma_ena_intr
      });
      this.causes.set(v, cause);
      c = cause;
    }
    return c;
  }
}
