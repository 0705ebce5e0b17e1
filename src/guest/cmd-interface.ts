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
import { EventQueue } from "./event-queue.js";

const COMPLETE = defineKind("guest", "cmd-completion");

/** -ETIMEDOUT and -EIO, as mlx5_cmd_exec returns them. */
export const ETIMEDOUT = -110;
export const EIO = -5;

/** The command interface's timing (lib/tout.c, cmd.c) and the firmware's [assumed] latency. */
export interface CmdTiming {
  /** Firmware execution of one command, from the doorbell to the completion [assumed]. */
  readonly exec: Distribution;
  /** wait_func: mlx5_tout_ms(dev, CMD) = MLX5_TO_CMD_MS (60 s) unless firmware overrides it. */
  readonly timeout: Time;
  /** wait_func_handle_exec_timeout: MLX5_CMD_TIMEOUT_RECOVER_MSEC (5 s) after the EQ poll. */
  readonly recoverWait: Time;
}

interface Entry {
  readonly what: string;
  readonly done: Signal<number>;
  /** The device incarnation the command went to: a reset device never completes it. */
  readonly epoch: number;
}

/**
 * A firmware command interface whose completions ride on an event queue (mlx5 cmd.c): in
 * polling mode (probe, before the command EQ exists; teardown) cmd_work_handler polls the
 * descriptor's ownership bit; in event mode (mlx5_cmd_use_events, right after the command EQ
 * is created on the control vector) the firmware writes a completion EQE to the command EQ and
 * the EQ's interrupt completes the command (mlx5_eq_async_int -> mlx5_cmd_comp_handler).
 *
 * wait_func waits MLX5_TO_CMD_MS; on timeout wait_func_handle_exec_timeout polls the command EQ
 * (mlx5_cmd_eq_recover) and waits MLX5_CMD_TIMEOUT_RECOVER_MSEC more: a completion whose
 * interrupt was lost is found then ("recovered after timeout", success); only a command the
 * firmware never completed fails with -ETIMEDOUT. One lost message on the control vector
 * therefore stalls every command (their EQEs raise nothing on the fired EQ) until another
 * interrupt on that vector or the first timeout polls the EQ.
 */
export class CmdInterface {
  readonly eq: EventQueue<Entry>;
  events = false;
  /** mlx5_enter_error_state: MLX5_DEVICE_STATE_INTERNAL_ERROR, commands fail at once. */
  errorState = false;
  requests = 0;
  /** Commands whose wait_func timed out; of them, recovered by the EQ poll, and failed. */
  timeouts = 0;
  recovered = 0;
  failed = 0;
  /** Commands waiting for their completion (for outcome "incomplete"). */
  waiting = 0;
  /** The function was reset under the driver: its command queue is gone, nothing completes. */
  unresponsive = false;
  private epoch = 0;
  private outstanding: Entry[] = [];
  private readonly completeFn = (e: Entry): void => this.complete(e);

  constructor(
    private readonly sim: Simulation,
    device: EventTarget,
    vector: number,
    private readonly timing: CmdTiming,
    private readonly rng: RandomStream,
    bus: IrqBus,
    private readonly cpu: Cpu,
  ) {
    // mlx5_cmd_comp_handler: the entry's completion wakes its waiter.
    this.eq = new EventQueue<Entry>("cmd", device, vector, (e) => this.done(e, 0), bus, cpu);
  }

  /** mlx5_cmd_use_events / mlx5_cmd_use_polling. */
  useEvents(on: boolean): void {
    this.events = on;
  }

  /** mlx5_cmd_exec: 0, or -ETIMEDOUT / -EIO. */
  *exec(what: string): Step<number> {
    this.requests++;
    if (this.errorState) return EIO; // MLX5_DRIVER_STATUS_ABORTED: nothing reaches the device
    const t = this.timing.exec.sample(this.rng);
    const e: Entry = { what, done: new Signal<number>(this.sim, `cmd.${what}`), epoch: this.epoch };
    this.outstanding.push(e);
    if (this.unresponsive) {
      // The doorbell reaches a reset function: no completion, the timeout decides.
    } else if (!this.events) {
      // cmd_work_handler -> poll_timeout: the driver polls the descriptor; no interrupt.
      this.sim.schedule(t, () => this.done(e, 0), Priority.NORMAL, COMPLETE);
    } else {
      // The firmware writes the completion EQE: data path, after the instant's control work.
      this.sim.schedule(t, this.completeFn, Priority.LATE, COMPLETE, e);
    }
    this.waiting++;
    try {
      const r = yield waitFor(e.done, this.timing.timeout); // wait_func
      if (r.fired) return r.value as number;
      this.timeouts++;
      if (this.cpu.on) this.cpu.log("cmd timeout", { cmd: what });
      this.eq.recover(); // wait_func_handle_exec_timeout -> mlx5_cmd_eq_recover
      const again = yield waitFor(e.done, this.timing.recoverWait);
      if (again.fired) {
        this.recovered++;
        if (this.cpu.on) this.cpu.log("cmd recovered after timeout", { cmd: what });
        return again.value as number;
      }
      this.failed++;
      if (this.cpu.on) this.cpu.log("cmd No done completion", { cmd: what });
      this.forget(e);
      return ETIMEDOUT;
    } finally {
      this.waiting--;
    }
  }

  /**
   * The function was reset under the driver: commands in flight and later ones never complete,
   * and the command EQ is gone with the device's state.
   */
  deviceReset(): void {
    this.epoch++;
    this.unresponsive = true;
    this.eq.disable();
  }

  /** mlx5_enter_error_state -> mlx5_cmd_flush: every waiting command completes with an error. */
  enterErrorState(): void {
    this.errorState = true;
    const list = this.outstanding;
    this.outstanding = [];
    for (const e of list) e.done.fire(EIO);
  }

  /** The function was set up again (mlx5_recover_device, mlx5_function_setup): commands work. */
  leaveErrorState(): void {
    this.errorState = false;
    this.unresponsive = false;
  }

  private complete(e: Entry): void {
    if (e.epoch !== this.epoch || e.done.fired) return;
    this.eq.post(e);
  }

  private done(e: Entry, status: number): void {
    this.forget(e);
    e.done.fire(status);
  }

  private forget(e: Entry): void {
    const i = this.outstanding.indexOf(e);
    if (i >= 0) this.outstanding.splice(i, 1);
  }
}
