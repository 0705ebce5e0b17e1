import {
  type Distribution,
  defineKind,
  Priority,
  type RandomStream,
  type Simulation,
  type Time,
} from "../engine/index.js";
import type { Cpu } from "../model/cpu.js";
import type { IrqBus } from "../model/irq-bus.js";
import type { EventTarget } from "../model/traffic/traffic.js";

/**
 * How the guest driver learns that the link is up:
 *  - "poll": the periodic service task reads the firmware's link state (PF:
 *    hclge_periodic_service_task -> hclge_update_link_status); a link event on the misc vector
 *    only makes the task run at once. A lost event delays link-up by up to one period.
 *  - "mailbox-poll": each period the driver asks for the link state and the answer comes as a
 *    misc interrupt (VF: hclgevf_request_link_info). A lost answer waits for the next period.
 *  - "push": no polling; the link state is pushed once as a misc interrupt (VF with
 *    HCLGEVF_STATE_PF_PUSH_LINK_STATUS). A lost push is only read at the next misc interrupt.
 */
export const LINK_MODES = ["poll", "mailbox-poll", "push"] as const;
export type LinkMode = (typeof LINK_MODES)[number];

const TICK = defineKind("guest", "link-poll");
const FIRMWARE = defineKind("guest", "firmware-link");

export class LinkMonitor {
  /** The firmware's (the wire's) link state. */
  firmwareUp = false;
  /** What the guest driver believes. */
  guestUp = false;
  /** When the guest last saw the link come up. */
  upAt: Time | null = null;
  /** HCLGE_STATE_RST_FAIL: the periodic task is not rescheduled any more. */
  stopped = false;
  private running = false;
  private tickScheduled = -1;
  private unreadEvents: Time[] = [];
  private readonly pendingAnswers: Array<{ at: Time; up: boolean }> = [];
  private readonly answerFn = (): void => this.answer();
  private readonly tickFn = (): void => this.tick();
  private readonly firmwareUpFn = (): void => this.firmwareLinkUp();

  constructor(
    private readonly sim: Simulation,
    readonly mode: LinkMode,
    private readonly period: Time,
    private readonly device: EventTarget,
    bus: IrqBus,
    private readonly miscVector: number,
    private readonly responseDelay: Distribution,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {
    bus.onDelivered(miscVector, (at) => this.miscInterrupt(at));
  }

  /** Starts the periodic service task (aligned to whole periods: round_jiffies_relative). */
  start(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    this.scheduleTick(this.nextBoundary());
  }

  /** The port goes down with its driver (interface down, reset). */
  down(): void {
    this.guestUp = false;
    this.firmwareUp = false;
  }

  /** The driver is removed: the service task stops until the next start(). */
  halt(): void {
    this.running = false;
    this.down();
  }

  /** RST_FAIL: polling stops for good. */
  stop(): void {
    this.stopped = true;
    this.running = false;
  }

  /** The firmware brings the link up after `delay` and signals it on the misc vector. */
  firmwareUpAfter(delay: Time): void {
    this.sim.schedule(delay, this.firmwareUpFn, Priority.NORMAL, FIRMWARE);
  }

  private firmwareLinkUp(): void {
    if (this.firmwareUp) return;
    this.firmwareUp = true;
    if (this.cpu.on) this.cpu.log("firmware link up", { mode: this.mode });
    if (this.mode === "poll" || this.mode === "push") {
      this.unreadEvents.push(this.sim.now);
      this.device.raise(this.miscVector);
    }
  }

  /** The misc handler reads the CRQ: link events, pushes and answers queued before now. */
  private miscInterrupt(at: Time): void {
    this.readAnswers(at);
    if (this.unreadEvents.length === 0 || this.unreadEvents[0]! > at) return;
    this.unreadEvents = this.unreadEvents.filter((t) => t > at);
    if (this.stopped) return;
    if (this.mode === "push") this.see(this.firmwareUp);
    else if (this.mode === "poll" && this.running) this.scheduleTick(this.sim.now); // run the task now
  }

  private tick(): void {
    if (this.sim.now !== this.tickScheduled) return; // superseded by an earlier run
    this.tickScheduled = -1;
    if (this.stopped || !this.running) return;
    if (this.mode === "poll") this.see(this.firmwareUp);
    else if (this.mode === "mailbox-poll") this.askLinkState();
    this.scheduleTick(this.nextBoundary());
  }

  private askLinkState(): void {
    this.sim.schedule(
      this.responseDelay.sample(this.rng),
      this.answerFn,
      Priority.NORMAL,
      FIRMWARE,
    );
  }

  /** The PF answers a link request: queued, then signalled on the misc vector. */
  private answer(): void {
    this.pendingAnswers.push({ at: this.sim.now, up: this.firmwareUp });
    this.device.raise(this.miscVector);
  }

  private see(up: boolean): void {
    if (up && !this.guestUp) {
      this.guestUp = true;
      this.upAt = this.sim.now;
      if (this.cpu.on) this.cpu.log("link up", { mode: this.mode });
    }
  }

  private nextBoundary(): Time {
    return (Math.floor(this.sim.now / this.period) + 1) * this.period;
  }

  private scheduleTick(t: Time): void {
    if (this.tickScheduled >= 0 && this.tickScheduled <= t) return;
    this.tickScheduled = t;
    this.sim.at(t, this.tickFn, Priority.NORMAL, TICK);
  }

  /** Answers to mailbox-poll requests, read on misc delivery. */
  private readAnswers(at: Time): void {
    if (this.pendingAnswers.length === 0) return;
    const keep: Array<{ at: Time; up: boolean }> = [];
    for (const a of this.pendingAnswers) {
      if (a.at <= at) {
        if (!this.stopped) this.see(a.up);
      } else keep.push(a);
    }
    this.pendingAnswers.splice(0, this.pendingAnswers.length, ...keep);
  }
}
