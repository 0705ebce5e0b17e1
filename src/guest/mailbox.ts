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
import type { IrqBus } from "../model/irq-bus.js";
import type { EventTarget } from "../model/traffic/traffic.js";

const RESPOND = defineKind("guest", "mailbox-response");

/**
 * A command whose completion arrives as an interrupt: the firmware (or the PF) answers after a
 * delay by queueing the response and raising an interrupt on `vector`; the driver's handler
 * reads every queued response whenever an interrupt on that vector is delivered, so a later
 * interrupt can rescue a lost one. The caller waits with a timeout and may retry
 * (hns_roce_cmd_mbox_wait with wait_for_completion_timeout; hclgevf_get_mbx_resp).
 */
export class Mailbox {
  requests = 0;
  timeouts = 0;
  private unread: Array<{ at: Time; done: Signal<void> }> = [];
  private readonly respondFn = (done: Signal<void>): void => this.respond(done);

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    private readonly device: EventTarget,
    bus: IrqBus,
    readonly vector: number,
    private readonly responseDelay: Distribution,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {
    bus.onDelivered(vector, (at) => this.handler(at));
  }

  /** Sends a command and waits for its completion; false after `retries + 1` timeouts. */
  *request(what: string, timeout: Time, retries = 0): Step<boolean> {
    for (let attempt = 0; attempt <= retries; attempt++) {
      this.requests++;
      const done = new Signal<void>(this.sim, `${this.name}.${what}`);
      this.sim.schedule(
        this.responseDelay.sample(this.rng),
        this.respondFn,
        Priority.NORMAL,
        RESPOND,
        done,
      );
      const r = yield waitFor(done, timeout);
      if (r.fired) return true;
      this.timeouts++;
      this.unread = this.unread.filter((u) => u.done !== done);
      if (this.cpu.on)
        this.cpu.log(`${this.name} timeout`, { cmd: what, attempt, vector: this.vector });
    }
    return false;
  }

  private respond(done: Signal<void>): void {
    this.unread.push({ at: this.sim.now, done });
    this.device.raise(this.vector);
  }

  private handler(at: Time): void {
    if (this.unread.length === 0) return;
    const still = [];
    for (const u of this.unread) {
      if (u.at <= at) u.done.fire();
      else still.push(u);
    }
    this.unread = still;
  }
}
