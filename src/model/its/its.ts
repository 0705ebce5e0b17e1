import {
  type Distribution,
  defineKind,
  Priority,
  type RandomStream,
  Signal,
  type Simulation,
  type Time,
} from "../../engine/index.js";
import { zeroedI32 } from "../../engine/typed-arrays.js";
import type { InterruptAccounting } from "../accounting.js";
import type { MsiWriteSink } from "../device/msix-function.js";
import { Cause } from "../outcomes.js";
import type { ItsCommandName } from "../params.js";
import type { Redistributor } from "./redistributor.js";

/** One ITS command as the driver builds it (its_build_*_cmd). */
export interface ItsCommand {
  readonly op: ItsCommandName;
  readonly deviceId?: number;
  readonly eventId?: number;
  readonly lpi?: number;
  readonly collection?: number;
  /** MAPD: V bit and ITT size (number of EventIDs). */
  readonly valid?: boolean;
  readonly ittSize?: number;
  /** Issued by another device or CPU sharing the ITS (background load); not counted as ours. */
  readonly background?: boolean;
}

interface ItsDeviceEntry {
  readonly ittSize: number;
  /** LPI per EventID, -1 where there is no ITT entry. */
  readonly lpiOf: Int32Array;
}

/** Told after a command changed the translation tables (eventId -1: the whole device). */
export interface TableObserver {
  tablesChanged(deviceId: number, eventId: number): void;
}

const COMPLETE = defineKind("its", "command-complete");

/**
 * The ITS hardware: a command queue of `slots` 32-byte entries read in order (CREADR chases
 * CWRITER), each command taking its own processing time; the device table and ITTs; and the
 * translation of an MSI write (qemu hw/intc/arm_gicv3_its.c lookup_ite; gem5 translateLPI):
 * silently dropped when the DeviceID is unmapped, the EventID is beyond the ITT, or the EventID
 * has no entry; otherwise its LPI becomes pending at the redistributor.
 */
export class Its implements MsiWriteSink {
  /** Commands written (CWRITER) and completed (CREADR), as running counts. */
  cwriter = 0;
  creadr = 0;
  /** Commands that the ITS rejected (e.g. MAPTI to an unmapped device); Linux never sends one. */
  commandErrors = 0;
  observer: TableObserver | null = null;
  private readonly queue: ItsCommand[] = [];
  private head = 0;
  private busy = false;
  private readonly devices = new Map<number, ItsDeviceEntry>();
  private waiters: Array<{ target: number; signal: Signal<void> }> = [];
  private slotWaiters: Array<Signal<void>> = [];
  private readonly completeFn = (cmd: ItsCommand): void => this.complete(cmd);

  constructor(
    private readonly sim: Simulation,
    readonly slots: number,
    private readonly latency: Record<ItsCommandName, Distribution>,
    private readonly rng: RandomStream,
    private readonly redistributor: Redistributor,
    private readonly acct: InterruptAccounting,
  ) {}

  /** Commands posted and not yet completed. */
  get inFlight(): number {
    return this.cwriter - this.creadr;
  }

  /** A slot is free unless writing one more would make CWRITER catch up with CREADR. */
  hasFreeSlot(): boolean {
    return this.inFlight < this.slots - 1;
  }

  /** Writes a command at CWRITER and advances it. The caller checked hasFreeSlot(). */
  post(cmd: ItsCommand): number {
    if (!this.hasFreeSlot()) throw new Error("ITS command queue overflow");
    this.queue.push(cmd);
    this.cwriter++;
    const tr = this.sim.trace;
    if (tr !== null)
      tr.record(this.sim.now, "its", "post", {
        op: cmd.op,
        cwriter: this.cwriter,
        ...(cmd.background ? { background: true } : {}),
      });
    if (!this.busy) this.startNext();
    return this.cwriter;
  }

  /** Fires once CREADR has reached `target`. */
  whenCompleted(target: number): Signal<void> {
    const s = new Signal<void>(this.sim, "its.creadr");
    if (this.creadr >= target) s.fire();
    else this.waiters.push({ target, signal: s });
    return s;
  }

  /** Fires when a queue slot frees up. */
  whenSlotFree(): Signal<void> {
    const s = new Signal<void>(this.sim, "its.slot");
    if (this.hasFreeSlot()) s.fire();
    else this.slotWaiters.push(s);
    return s;
  }

  /** Data path: a write to GITS_TRANSLATER. */
  msiWrite(deviceId: number, eventId: number, vector: number, raisedAt: Time): void {
    const r = this.translate(deviceId, eventId);
    if (r < 0) this.acct.drop(vector, -r, raisedAt, this.sim.now);
    else this.redistributor.setPending(r, vector, raisedAt);
  }

  /** The LPI an MSI (deviceId, eventId) would reach now, or -cause. */
  translate(deviceId: number, eventId: number): number {
    const dev = this.devices.get(deviceId);
    if (dev === undefined) return -Cause.ITS_UNMAPPED_DEVICE;
    if (eventId >= dev.ittSize) return -Cause.ITS_EVENT_OUT_OF_RANGE;
    const lpi = dev.lpiOf[eventId]!;
    return lpi < 0 ? -Cause.ITS_UNMAPPED_EVENT : lpi;
  }

  private startNext(): void {
    if (this.head >= this.queue.length) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const cmd = this.queue[this.head]!;
    const delay = this.latency[cmd.op].sample(this.rng);
    this.sim.schedule(delay, this.completeFn, Priority.NORMAL, COMPLETE, cmd);
  }

  private complete(cmd: ItsCommand): void {
    this.queue[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.execute(cmd);
    this.creadr++;
    const tr = this.sim.trace;
    if (tr !== null) {
      tr.record(this.sim.now, "its", "complete", {
        op: cmd.op,
        ...(cmd.deviceId !== undefined ? { dev: `0x${cmd.deviceId.toString(16)}` } : {}),
        ...(cmd.eventId !== undefined ? { event: cmd.eventId } : {}),
        ...(cmd.background ? { background: true } : {}),
        creadr: this.creadr,
      });
    }
    if (this.waiters.length > 0) {
      const still = [];
      for (const w of this.waiters) {
        if (this.creadr >= w.target) w.signal.fire();
        else still.push(w);
      }
      this.waiters = still;
    }
    if (this.slotWaiters.length > 0) {
      const ready = this.slotWaiters;
      this.slotWaiters = [];
      for (const s of ready) s.fire();
    }
    this.startNext();
  }

  /** A command's effect on the tables, at the moment the ITS completes it. */
  private execute(cmd: ItsCommand): void {
    if (cmd.background) return;
    switch (cmd.op) {
      case "MAPD": {
        if (cmd.valid) {
          const ittSize = cmd.ittSize!;
          this.devices.set(cmd.deviceId!, { ittSize, lpiOf: zeroedI32(ittSize).fill(-1) });
        } else {
          this.devices.delete(cmd.deviceId!);
        }
        this.observer?.tablesChanged(cmd.deviceId!, -1);
        return;
      }
      case "MAPTI": {
        const dev = this.devices.get(cmd.deviceId!);
        if (dev === undefined || cmd.eventId! >= dev.ittSize) {
          this.commandErrors++;
          return;
        }
        dev.lpiOf[cmd.eventId!] = cmd.lpi!;
        this.observer?.tablesChanged(cmd.deviceId!, cmd.eventId!);
        return;
      }
      case "DISCARD": {
        const dev = this.devices.get(cmd.deviceId!);
        const lpi = dev !== undefined && cmd.eventId! < dev.ittSize ? dev.lpiOf[cmd.eventId!]! : -1;
        if (lpi < 0) {
          this.commandErrors++;
          return;
        }
        dev!.lpiOf[cmd.eventId!] = -1;
        this.redistributor.discard(lpi);
        this.observer?.tablesChanged(cmd.deviceId!, cmd.eventId!);
        return;
      }
      case "INV":
        // Re-read the LPI's configuration (the enable bit lpi_update_config wrote).
        this.redistributor.invalidate(cmd.lpi!);
        return;
      default:
        return; // SYNC, MAPC, INVALL: no effect on translation in this model.
    }
  }
}
