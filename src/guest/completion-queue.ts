import {
  type Distribution,
  defineKind,
  Priority,
  type RandomStream,
  Signal,
  type Simulation,
  type Time,
  waitFor,
} from "../engine/index.js";
import type { Cpu, Step } from "../model/cpu.js";

const COMPLETE = defineKind("guest", "cq-completion");

/**
 * A control command queue whose completions land in a completion queue (CQ) that the driver
 * reads either from the CQ's interrupt or by polling the CQ itself while it waits, as irdma's
 * control QP does (irdma/utils.c): irdma_handle_cqp_op posts the command, then irdma_wait_event
 * loops { irdma_cqp_ce_handler (poll the CCQ); wait_event_timeout(.., CQP_COMPL_WAIT_TIME_MS) },
 * woken early when the CCQ's CEQ interrupt runs cqp_compl_worker -> irdma_cqp_ce_handler.
 * irdma_check_cqp_progress counts the expired waits during which no command completed; after
 * CQP_TIMEOUT_THRESHOLD of them the command fails with -ETIMEDOUT. So a lost completion
 * interrupt costs at most one poll period per command, never the command itself.
 *
 * Unlike `Mailbox` (one wait with a timeout, nothing polls), nothing here depends on the
 * interrupt for correctness; it only decides how fast each command returns.
 */
export class CompletionQueue {
  requests = 0;
  /** Completions read by the waiter's own poll (the interrupt did not come in time). */
  polled = 0;
  timeouts = 0;
  /** A command is being waited for. */
  waiting = 0;
  /** Commands completed (cqp->completed_ops). */
  private completed = 0;
  /** Completions written to the CQ and not yet read, oldest first. */
  private cq: Array<Signal<void>> = [];
  private readonly arriveFn = (s: Signal<void>): void => this.arrive(s);

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    /** What the hardware does when a completion is written (the CQ's event queue fires). */
    private readonly doorbell: () => void,
    /** Firmware time from posting a command to writing its completion. */
    private readonly response: Distribution,
    private readonly rng: RandomStream,
    /** CQP_COMPL_WAIT_TIME_MS: each wait_event_timeout, then a poll. */
    private readonly pollInterval: Time,
    /** CQP_TIMEOUT_THRESHOLD: expired waits without progress before -ETIMEDOUT. */
    private readonly threshold: number,
    private readonly cpu: Cpu,
  ) {}

  /** irdma_handle_cqp_op + irdma_wait_event: true when completed, false on -ETIMEDOUT. */
  *request(what: string): Step<boolean> {
    this.requests++;
    const done = new Signal<void>(this.sim, `${this.name}.${what}`);
    this.sim.schedule(
      this.response.sample(this.rng),
      this.arriveFn,
      Priority.NORMAL,
      COMPLETE,
      done,
    );
    this.waiting++;
    let seen = this.completed;
    let idle = 0;
    try {
      for (;;) {
        // irdma_cqp_ce_handler: the waiter reads the CQ itself first
        if (this.read() > 0 && done.fired) this.polled++;
        if (done.fired) return true;
        const r = yield waitFor(done, this.pollInterval); // wait_event_timeout
        if (r.fired) return true;
        // irdma_check_cqp_progress
        if (this.completed !== seen) {
          seen = this.completed;
          idle = 0;
        } else if (++idle >= this.threshold) {
          this.timeouts++;
          this.cq = this.cq.filter((s) => s !== done);
          if (this.cpu.on) this.cpu.log(`${this.name} timeout`, { cmd: what, err: "-ETIMEDOUT" });
          return false;
        }
      }
    } finally {
      this.waiting--;
    }
  }

  /** The CQ's interrupt handler (cqp_compl_worker -> irdma_cqp_ce_handler). */
  receive(): void {
    this.read();
  }

  /** Completions written and not read yet. */
  get unread(): number {
    return this.cq.length;
  }

  /** The queue is destroyed (driver removal, device reset). */
  flush(): void {
    this.cq = [];
  }

  private read(): number {
    const n = this.cq.length;
    if (n === 0) return 0;
    const cq = this.cq;
    this.cq = [];
    for (const s of cq) {
      this.completed++;
      s.fire();
    }
    return n;
  }

  private arrive(s: Signal<void>): void {
    this.cq.push(s);
    this.doorbell();
  }
}
