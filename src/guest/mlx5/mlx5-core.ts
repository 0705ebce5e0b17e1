import {
  defineKind,
  type EventHandle,
  type Lock,
  Priority,
  type RandomStream,
  S,
} from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import type { Machine } from "../../model/machine.js";
import { CmdInterface } from "../cmd-interface.js";
import { CompletionEq } from "../completion-eq.js";
import { EventQueue } from "../event-queue.js";
import type { Mlx5Layout } from "./layout.js";
import type { Mlx5Params, Mlx5Timing } from "./params.js";

const ASYNC_EVENT = defineKind("guest", "mlx5-async-event");

/** What the mlx5 pieces share. */
export interface Mlx5Context {
  readonly m: Machine;
  readonly layout: Mlx5Layout;
  readonly p: Mlx5Params;
  readonly t: Mlx5Timing;
  readonly cpu: Cpu;
  readonly rng: RandomStream;
  /** rtnl_lock + priv->state_lock: netdev operations, the TX-timeout and stats works. */
  readonly rtnl: Lock;
  /** The devlink instance lock: probe, removal, reload, health recovery, auxiliary drivers. */
  readonly devlink: Lock;
}

/**
 * mlx5_core below the auxiliary drivers (main.c, pci_irq.c, eq.c, cmd.c): the MSI-X table
 * (mlx5_irq_table_create: pci_alloc_irq_vectors(1, pcif_vec), every entry masked), the control
 * vector with its three EQs (command, async, pages: create_async_eqs), the command interface,
 * and the completion EQs, one per completion vector, created on demand by the first CQ that
 * names the vector (mlx5_comp_eqn_get -> create_comp_eq: request_irq, which unmasks the entry,
 * then CREATE_EQ) and destroyed only with the EQ table.
 */
export class Mlx5Core {
  readonly cmd: CmdInterface;
  readonly asyncEq: EventQueue<string>;
  readonly pagesEq: EventQueue<string>;
  readonly compEqs: CompletionEq[];
  /** mlx5_load done and mlx5_unload not yet. */
  loaded = false;
  /** The control vector is requested (its entry unmasked). */
  private ctrlRequested = false;
  private asyncTimer: EventHandle | null = null;
  private readonly asyncRng: RandomStream;
  private readonly asyncFn = (): void => this.asyncEvent();

  constructor(private readonly c: Mlx5Context) {
    const { m, layout, p, t, cpu } = c;
    const bus = m.acct.bus;
    this.cmd = new CmdInterface(
      m.sim,
      m.device,
      layout.ctrl,
      { exec: t.cmdLatency, timeout: p.cmdTimeout, recoverWait: p.cmdRecoverWait },
      m.sim.streams.get("guest/mlx5-cmd"),
      bus,
      cpu,
    );
    // Async events (port, module, temperature) and page requests: nothing in the model waits
    // on them, but every interrupt they raise polls the command EQ too (shared notifier chain).
    this.asyncEq = new EventQueue<string>("async", m.device, layout.ctrl, () => {}, bus, cpu);
    this.pagesEq = new EventQueue<string>("pages", m.device, layout.ctrl, () => {}, bus, cpu);
    this.compEqs = layout.comp.map((v, k) => new CompletionEq(k, v, bus, cpu));
    this.asyncRng = m.sim.streams.get("guest/mlx5-async");
  }

  /**
   * mlx5_load (from mlx5_init_one / mlx5_load_one): mlx5_irq_table_create, mlx5_eq_table_create,
   * then the rest of the function's bring-up by command. 0 or an error.
   */
  *mlx5_load(): Step<number> {
    const { m, layout, p, cpu } = this.c;
    if (cpu.on) cpu.log("mlx5_load", { pcif_vec: layout.numMsi, comp_vectors: p.compVectors });
    yield m.guest.enable(layout.numMsi); // mlx5_irq_table_create -> pci_alloc_irq_vectors
    let r: number = yield this.mlx5_eq_table_create();
    if (r !== 0) return r;
    this.loaded = true;
    this.startAsyncEvents();
    for (let i = 0; i < p.probeCommands && r === 0; i++) r = yield this.cmd.exec(`probe-${i}`);
    return r;
  }

  /** mlx5_unload: mlx5_eq_table_destroy, then mlx5_irq_table_destroy (pci_free_irq_vectors). */
  *mlx5_unload(): Step {
    this.stopAsyncEvents();
    yield this.mlx5_eq_table_destroy();
    yield this.c.m.guest.disable(); // mlx5_irq_table_destroy -> pci_free_irq_vectors
    this.loaded = false;
  }

  /**
   * mlx5_comp_eqn_get(dev, vecidx): the completion EQ of a vector, created at its first user
   * (create_comp_eq: comp_irq_request -> request_irq unmasks the entry; then CREATE_EQ, whose
   * completion comes on the control vector; then mlx5_eq_enable). 0 or an error.
   */
  *mlx5_comp_eqn_get(vecidx: number): Step<number> {
    const eq = this.compEqs[vecidx];
    if (eq === undefined) return -22; // -EINVAL: beyond max_comp_eqs
    if (eq.created) return 0;
    return yield this.create_comp_eq(eq);
  }

  /** Completion EQs in existence (the high-water mark of vectors in use). */
  get compEqsCreated(): number {
    let n = 0;
    for (const eq of this.compEqs) if (eq.created) n++;
    return n;
  }

  /** The function was reset under the driver (an FLR it did not ask for): its EQs are gone. */
  deviceReset(): void {
    this.stopAsyncEvents();
    this.cmd.deviceReset();
    this.asyncEq.disable();
    this.pagesEq.disable();
  }

  /** QEMU reset the device and the guest will probe again: nothing of this driver is left. */
  forget(): void {
    this.deviceReset();
    this.cmd.enterErrorState();
    this.cmd.leaveErrorState();
    this.cmd.useEvents(false);
    for (const eq of this.compEqs) eq.destroy();
    this.ctrlRequested = false;
    this.loaded = false;
  }

  /** A control-vector EQ fired by a lost message with entries waiting. */
  get ctrlStuck(): boolean {
    return this.cmd.eq.stuck || this.asyncEq.stuck || this.pagesEq.stuck;
  }

  // --- eq.c ---

  /** mlx5_eq_table_create: create_async_eqs; up to v6.5 also create_comp_eqs (all, ascending). */
  private *mlx5_eq_table_create(): Step<number> {
    let r: number = yield this.create_async_eqs();
    if (r !== 0) return r;
    if (this.c.p.compEqsAtLoad) {
      for (const eq of this.compEqs) {
        r = yield this.create_comp_eq(eq);
        if (r !== 0) return r;
      }
    }
    return 0;
  }

  /**
   * create_async_eqs: mlx5_ctrl_irq_request (request_irq of the control vector), the command
   * EQ by a polled CREATE_EQ, mlx5_cmd_use_events, then the async and pages EQs by event-mode
   * commands; all three EQs share the control vector's IRQ.
   */
  private *create_async_eqs(): Step<number> {
    const { m, layout, cpu } = this.c;
    if (cpu.on) cpu.log("mlx5_ctrl_irq_request", { vector: layout.ctrl });
    yield m.guest.unmask(layout.ctrl);
    this.ctrlRequested = true;
    let r: number = yield this.cmd.exec("CREATE_EQ cmd"); // polling mode
    if (r !== 0) return r;
    this.cmd.eq.enable();
    this.cmd.useEvents(true); // mlx5_cmd_use_events
    r = yield this.cmd.exec("CREATE_EQ async");
    if (r !== 0) return r;
    this.asyncEq.enable();
    r = yield this.cmd.exec("CREATE_EQ pages");
    if (r !== 0) return r;
    this.pagesEq.enable();
    return 0;
  }

  /** create_comp_eq: comp_irq_request (the unmask), create_map_eq (CREATE_EQ), mlx5_eq_enable. */
  private *create_comp_eq(eq: CompletionEq): Step<number> {
    const { m, cpu } = this.c;
    if (cpu.on) cpu.log("create_comp_eq", { vecidx: eq.index, vector: eq.vector });
    yield m.guest.unmask(eq.vector); // comp_irq_request -> mlx5_irq_request_vector -> request_irq
    eq.create(); // the IRQ is requested: from here on the vector is the EQ's
    const r: number = yield this.cmd.exec(`CREATE_EQ comp${eq.index}`);
    return r;
  }

  /**
   * mlx5_eq_table_destroy: every completion EQ (DESTROY_EQ, then free_irq masks its entry),
   * then destroy_async_eqs (pages, async, mlx5_cmd_use_polling, the command EQ, the control
   * vector's free_irq).
   */
  private *mlx5_eq_table_destroy(): Step {
    const { m, layout } = this.c;
    for (const eq of this.compEqs) {
      if (!eq.created) continue;
      yield this.cmd.exec(`DESTROY_EQ comp${eq.index}`);
      eq.destroy();
      yield m.guest.mask(eq.vector); // comp_irq_release -> free_irq
    }
    if (this.pagesEq.attached) yield this.cmd.exec("DESTROY_EQ pages");
    this.pagesEq.disable();
    if (this.asyncEq.attached) yield this.cmd.exec("DESTROY_EQ async");
    this.asyncEq.disable();
    this.cmd.useEvents(false); // mlx5_cmd_use_polling
    if (this.cmd.eq.attached) yield this.cmd.exec("DESTROY_EQ cmd");
    this.cmd.eq.disable();
    if (this.ctrlRequested) yield m.guest.mask(layout.ctrl); // mlx5_ctrl_irq_release
    this.ctrlRequested = false;
  }

  // --- async events [assumed background] ---

  private startAsyncEvents(): void {
    const rate = this.c.p.asyncEventRate;
    if (rate <= 0 || this.asyncTimer !== null) return;
    this.asyncTimer = this.c.m.sim.schedule(
      Math.floor(this.asyncRng.exponential(S / rate) + 0.5),
      this.asyncFn,
      Priority.LATE,
      ASYNC_EVENT,
    );
  }

  private stopAsyncEvents(): void {
    if (this.asyncTimer !== null) this.c.m.sim.cancel(this.asyncTimer);
    this.asyncTimer = null;
  }

  /** The firmware writes an async EQE (a module or temperature event, a monitor counter). */
  private asyncEvent(): void {
    this.asyncTimer = null;
    this.asyncEq.post("event");
    this.startAsyncEvents();
  }
}
