import {
  defineKind,
  type EventHandle,
  Priority,
  S,
  type Simulation,
  type Time,
} from "../engine/index.js";
import { roundJiffiesRelative } from "./jiffies.js";

const RUN = defineKind("guest", "service-task");

/**
 * A driver's periodic service task (a delayed work item, as hclge_periodic_service_task and
 * hclgevf_periodic_service_task are): it runs about once a second on whole seconds
 * (round_jiffies_relative(HZ)); an interrupt handler can make it run at once
 * (hclge_task_schedule(hdev, 0)), and such an early run does not move the periodic grid: the
 * next run is still a period after the last full one. HCLGE_STATE_RST_FAIL (or removal) stops
 * it for good: the task returns without rescheduling itself and refuses to be queued.
 */
export class ServiceTask {
  runs = 0;
  /** Running: started and not stopped. */
  running = false;
  private timer: EventHandle | null = null;
  private due: Time = Number.POSITIVE_INFINITY;
  private lastFull: Time = Number.NEGATIVE_INFINITY;
  private readonly runFn = (): void => this.fire();

  constructor(
    private readonly sim: Simulation,
    /** round_jiffies_relative(HZ): the period before rounding. */
    private readonly period: Time,
    /** The task's body; `full` is false for an early run (link update only). */
    private readonly body: (full: boolean) => void,
  ) {}

  /** The driver starts the task (end of init: hclge_task_schedule(round_jiffies_relative(HZ))). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastFull = this.sim.now;
    this.queue(roundJiffiesRelative(this.period, this.sim.now));
  }

  /** hclge_task_schedule(hdev, 0) from an interrupt handler: run now. */
  kick(): void {
    if (this.running) this.queue(0);
  }

  /** RST_FAIL or removal: no more runs. */
  stop(): void {
    this.running = false;
    if (this.timer !== null) this.sim.cancel(this.timer);
    this.timer = null;
    this.due = Number.POSITIVE_INFINITY;
  }

  /** mod_delayed_work: the work runs `delay` from now (an earlier due time is kept). */
  private queue(delay: Time): void {
    const at = this.sim.now + delay;
    if (this.timer !== null && this.due <= at) return;
    if (this.timer !== null) this.sim.cancel(this.timer);
    this.due = at;
    this.timer = this.sim.at(at, this.runFn, Priority.NORMAL, RUN);
  }

  private fire(): void {
    this.timer = null;
    this.due = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    this.runs++;
    const now = this.sim.now;
    const sinceFull = now - this.lastFull;
    const period = roundJiffiesRelative(this.period, now);
    const full = sinceFull >= period - S / 100; // within a jiffy-ish of the period: a full run
    if (full) this.lastFull = now;
    this.body(full);
    if (this.running) this.queue(full ? period : Math.max(0, period - sinceFull));
  }
}
