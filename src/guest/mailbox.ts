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

const ANSWER = defineKind("guest", "mailbox-answer");

/** An unsolicited message from the far side (a PF push, a firmware event), by kind. */
export interface AsyncMessage {
  readonly kind: string;
  readonly value: number;
}

interface Queued {
  readonly at: Time;
  /** A synchronous request's completion, or null for an asynchronous message. */
  readonly done: Signal<void> | null;
  readonly message: AsyncMessage | null;
}

/**
 * A command channel whose answers arrive as interrupts: the far side (firmware, or the PF for a
 * VF) answers after a delay by queueing the answer in a receive queue and ringing a doorbell
 * (for hns3 the misc vector's MBX cause; for hns_roce an AEQ entry). The driver's interrupt
 * handler calls receive(), which reads every answer queued so far, so a later interrupt rescues
 * an earlier lost one (hclgevf_mbx_handler and hns_roce_v2_aeq_int drain their queues).
 *
 * Synchronous requests wait with a timeout (hclgevf_get_mbx_resp, hns_roce_cmd_mbox_wait);
 * asynchronous ones (hclgevf_request_link_info) return at once and their answer is handed to
 * `onAsync` when it is read.
 */
export class Mailbox {
  requests = 0;
  timeouts = 0;
  /** Called with each asynchronous message when the handler reads it. */
  onAsync: ((m: AsyncMessage) => void) | null = null;
  /** Answers in the receive queue, oldest first. */
  private queue: Queued[] = [];
  private readonly answerFn = (q: Queued): void => this.arrive(q);
  /** A sync request is waiting: the far side answers it (for outcome "incomplete"). */
  waiting = 0;

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    /** What the hardware does when an answer lands: set a cause bit, write an EQ entry. */
    private readonly doorbell: () => void,
    private readonly responseDelay: Distribution,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {}

  /** Sends a command and waits up to `timeout` for its completion; false on timeout. */
  *request(what: string, timeout: Time): Step<boolean> {
    this.requests++;
    const done = new Signal<void>(this.sim, `${this.name}.${what}`);
    this.sim.schedule(this.responseDelay.sample(this.rng), this.answerFn, Priority.NORMAL, ANSWER, {
      at: 0,
      done,
      message: null,
    });
    this.waiting++;
    const r = yield waitFor(done, timeout);
    this.waiting--;
    if (r.fired) return true;
    this.timeouts++;
    this.queue = this.queue.filter((q) => q.done !== done);
    if (this.cpu.on) this.cpu.log(`${this.name} timeout`, { cmd: what });
    return false;
  }

  /** Sends a request whose answer comes back later as an asynchronous message. */
  send(answer: () => AsyncMessage): void {
    this.requests++;
    this.sim.schedule(
      this.responseDelay.sample(this.rng),
      () => this.arrive({ at: 0, done: null, message: answer() }),
      Priority.NORMAL,
      ANSWER,
    );
  }

  /** The far side pushes a message now (e.g. a link change pushed by the PF). */
  push(message: AsyncMessage): void {
    this.arrive({ at: 0, done: null, message });
  }

  /** The interrupt handler reads the receive queue: every answer queued at or before `at`. */
  receive(at: Time = this.sim.now): void {
    if (this.queue.length === 0) return;
    const still: Queued[] = [];
    for (const q of this.queue) {
      if (q.at > at) still.push(q);
      else if (q.done !== null) q.done.fire();
      else this.onAsync?.(q.message!);
    }
    this.queue = still;
  }

  /** Answers are queued and not yet read (a lost doorbell, or one on its way). */
  get unread(): number {
    return this.queue.length;
  }

  /** Drops everything queued (the receive queue is re-initialised by a reset). */
  flush(): void {
    this.queue = [];
  }

  private arrive(q: Queued): void {
    this.queue.push({ at: this.sim.now, done: q.done, message: q.message });
    this.doorbell();
  }
}
