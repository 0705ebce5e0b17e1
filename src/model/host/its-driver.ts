import { type Simulation, waitFor } from "../../engine/index.js";
import { zeroedU8 } from "../../engine/typed-arrays.js";
import type { Cpu, Step } from "../cpu.js";
import type { Its, ItsCommand } from "../its/its.js";
import type { Redistributor } from "../its/redistributor.js";
import type { ItsCommandName, ModelParams } from "../params.js";
import type { Profile } from "../profiles.js";

export const ENOSPC = -28;
/** waitPolled target meaning "a free queue slot" rather than a CREADR position. */
const FREE_SLOT = -1;
export const LPI_BASE = 8192;

/** The driver's view of one ITS device (struct its_device). */
export interface ItsDriverDevice {
  readonly deviceId: number;
  /** ITT size in EventIDs: max(2, nvecs). */
  readonly nrIte: number;
  /** EventIDs this device may allocate (its_lpi_alloc of nvecs). */
  readonly nrLpis: number;
  readonly lpiBase: number;
  /** EventID allocation bitmap. */
  readonly used: Uint8Array;
  shared: boolean;
}

/** An ITS-backed interrupt: (device, EventID) and its LPI. */
export interface ItsEvent {
  readonly dev: ItsDriverDevice;
  readonly eventId: number;
  readonly lpi: number;
  collection: number;
}

export interface ItsCommandCounts {
  byType: Record<ItsCommandName, number>;
  mapdValid: number;
  mapdInvalid: number;
  /** its_wait_for_range_completion gave up ("ITS queue timeout"). */
  timeouts: number;
  /** its_allocate_entry gave up ("ITS queue not draining"): the command was never sent. */
  notDraining: number;
}

/**
 * A count per ITS command, as a literal: one fixed shape (Object.fromEntries built a
 * dictionary-mode object on every run, 1.4% of a short run). The type checks it names every
 * command in ITS_COMMANDS.
 */
function zeroCommandCounts(): Record<ItsCommandName, number> {
  return { MAPD: 0, MAPTI: 0, DISCARD: 0, SYNC: 0, INV: 0, MAPC: 0, INVALL: 0 };
}

function roundupPowOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

/**
 * The Linux GICv3 ITS driver (drivers/irqchip/irq-gic-v3-its.c and its PCI MSI parent): ITS
 * device creation and ITT sizing, EventID allocation, activation (MAPTI) and deactivation
 * (DISCARD), LPI configuration, and the synchronous command submission.
 */
export class ItsDriver {
  readonly counts: ItsCommandCounts = {
    byType: zeroCommandCounts(),
    mapdValid: 0,
    mapdInvalid: 0,
    timeouts: 0,
    notDraining: 0,
  };
  private readonly devices = new Map<number, ItsDriverDevice>();
  /** Free LPI ranges [start, end), kept sorted (its_lpi_alloc / its_lpi_free). */
  private freeLpis: Array<[number, number]> = [[LPI_BASE, LPI_BASE + (1 << 20)]];
  private readonly cpuLoad: number[];

  constructor(
    private readonly sim: Simulation,
    private readonly its: Its,
    private readonly rd: Redistributor,
    private readonly params: ModelParams,
    private readonly profile: Profile,
    private readonly cpu: Cpu,
    cpus = 8,
  ) {
    this.cpuLoad = new Array<number>(cpus).fill(0);
  }

  /**
   * its_pci_msi_prepare -> its_msi_prepare: find the device's ITS device, or create it with an
   * ITT for nvec rounded up to a power of two (minimum 32 for DeviceID 0). An existing device is
   * marked shared and reused as it is: its ITT is not resized.
   */
  *its_msi_prepare(deviceId: number, nvec: number): Step<ItsDriverDevice> {
    let n = roundupPowOfTwo(Math.max(1, nvec));
    if (deviceId === 0) n = Math.max(32, n);
    const existing = this.devices.get(deviceId);
    if (existing !== undefined) {
      existing.shared = true;
      if (this.cpu.on)
        this.cpu.log("its_msi_prepare", { dev: hex(deviceId), nvec, reused: true, shared: true });
      return existing;
    }
    return yield this.its_create_device(deviceId, n);
  }

  /** its_create_device: nr_ites = max(2, nvecs), an LPI range of nvecs, then MAPD V=1. */
  *its_create_device(deviceId: number, nvecs: number): Step<ItsDriverDevice> {
    yield this.cpu.spend(this.params.host.cost.itsDeviceCreate);
    const dev: ItsDriverDevice = {
      deviceId,
      nrIte: Math.max(2, nvecs),
      nrLpis: nvecs,
      lpiBase: this.allocLpis(nvecs),
      used: zeroedU8(nvecs),
      shared: false,
    };
    this.devices.set(deviceId, dev);
    if (this.cpu.on)
      this.cpu.log("its_create_device", {
        dev: hex(deviceId),
        nr_ites: dev.nrIte,
        lpi_base: dev.lpiBase,
      });
    yield this.send(
      { op: "MAPD", deviceId, valid: true, ittSize: dev.nrIte },
      false,
      "its_create_device",
    );
    return dev;
  }

  /** its_alloc_device_irq: the lowest free EventID, or -ENOSPC when the bitmap is full. */
  its_alloc_device_irq(dev: ItsDriverDevice): ItsEvent | typeof ENOSPC {
    const eventId = dev.used.indexOf(0);
    if (eventId < 0) {
      if (this.cpu.on)
        this.cpu.log("its_alloc_device_irq", { dev: hex(dev.deviceId), err: "-ENOSPC" });
      return ENOSPC;
    }
    dev.used[eventId] = 1;
    const lpi = dev.lpiBase + eventId;
    // A new LPI starts disabled in the property table.
    this.rd.writeProperty(lpi, false);
    return { dev, eventId, lpi, collection: -1 };
  }

  /** its_irq_domain_activate: pick the least-loaded CPU's collection, then MAPTI (+SYNC). */
  *its_irq_domain_activate(ev: ItsEvent): Step<boolean> {
    let cpu = 0;
    for (let c = 1; c < this.cpuLoad.length; c++)
      if (this.cpuLoad[c]! < this.cpuLoad[cpu]!) cpu = c;
    this.cpuLoad[cpu]!++;
    ev.collection = cpu;
    return yield this.send(
      {
        op: "MAPTI",
        deviceId: ev.dev.deviceId,
        eventId: ev.eventId,
        lpi: ev.lpi,
        collection: cpu,
      },
      true,
      "its_irq_domain_activate",
    );
  }

  /** its_irq_domain_deactivate: DISCARD (+SYNC). */
  *its_irq_domain_deactivate(ev: ItsEvent): Step<boolean> {
    if (ev.collection >= 0) this.cpuLoad[ev.collection]!--;
    return yield this.send(
      {
        op: "DISCARD",
        deviceId: ev.dev.deviceId,
        eventId: ev.eventId,
        lpi: ev.lpi,
        collection: ev.collection,
      },
      true,
      "its_irq_domain_deactivate",
    );
  }

  /**
   * its_irq_domain_free: release the EventID. Before the teardown series (713335b6ee29, with
   * 1396e89e09f0), freeing the last EventID of an unshared device also freed its LPIs and sent
   * MAPD V=0; after it, that moved to its_msi_teardown, which runs only at unbind.
   */
  *its_irq_domain_free(ev: ItsEvent): Step {
    const dev = ev.dev;
    dev.used[ev.eventId] = 0;
    if (this.profile.prepare !== "per-allocation" || dev.shared || dev.used.includes(1)) return;
    this.freeLpiRange(dev.lpiBase, dev.nrLpis);
    this.devices.delete(dev.deviceId);
    yield this.send(
      { op: "MAPD", deviceId: dev.deviceId, valid: false },
      false,
      "its_irq_domain_free",
    );
  }

  /**
   * lpi_update_config: flip the enable bit in the property table, then invalidate the cached
   * copy: through the redistributor (Direct LPI) or with INV (+SYNC).
   */
  *lpi_update_config(ev: ItsEvent, enable: boolean, fn: string): Step {
    this.rd.writeProperty(ev.lpi, enable);
    if (this.params.its.directLpi) {
      yield this.cpu.spend(this.params.host.cost.directLpiInv);
      this.rd.invalidate(ev.lpi);
      if (this.cpu.on)
        this.cpu.log(enable ? "lpi-enable" : "lpi-disable", {
          lpi: ev.lpi,
          via: "GICR_INVLPIR",
          fn,
        });
    } else {
      yield this.send(
        { op: "INV", deviceId: ev.dev.deviceId, eventId: ev.eventId, lpi: ev.lpi },
        true,
        fn,
      );
    }
  }

  /**
   * its_send_single_command: allocate a queue slot (its_allocate_entry polls every 1 us for up
   * to ~1 s, then drops the command), post the command and, for the commands that have one, a
   * SYNC; then wait until CREADR passes them (its_wait_for_range_completion: the same polling
   * and budget; a timeout is logged and the caller goes on). Returns false on either failure.
   */
  *send(cmd: ItsCommand, withSync: boolean, fn: string): Step<boolean> {
    if (!this.its.hasFreeSlot() && !((yield this.waitPolled(FREE_SLOT)) as boolean)) {
      this.counts.notDraining++;
      if (this.cpu.on) this.cpu.log("ITS queue not draining", { cmd: cmd.op, fn });
      return false;
    }
    this.its.post(cmd);
    this.count(cmd);
    if (this.cpu.on) this.cpu.log(cmd.op, { ...describe(cmd), fn });
    if (withSync && this.its.hasFreeSlot()) {
      const sync: ItsCommand = { op: "SYNC", collection: cmd.collection ?? 0 };
      this.its.post(sync);
      this.count(sync);
    }
    const completed: boolean = yield this.waitPolled(this.its.cwriter);
    if (!completed) {
      this.counts.timeouts++;
      if (this.cpu.on) this.cpu.log("ITS queue timeout", { cmd: cmd.op, fn });
      return false;
    }
    return true;
  }

  /**
   * Busy-wait polling every pollInterval for at most the timeout budget, until CREADR reaches
   * `target` (or, for FREE_SLOT, until a queue slot is free). Computed without an event per
   * poll: wait for the ITS's signal, then round up to the next poll instant.
   */
  private *waitPolled(target: number): Step<boolean> {
    const poll = this.params.its.pollInterval;
    const budget = this.params.its.timeout;
    const its = this.its;
    const start = this.sim.now;
    for (;;) {
      const elapsed = this.sim.now - start;
      if (target === FREE_SLOT ? its.hasFreeSlot() : its.creadr >= target) {
        const observed = Math.ceil(elapsed / poll) * poll;
        if (observed > elapsed) yield observed - elapsed;
        return true;
      }
      if (elapsed >= budget) return false;
      const signal = target === FREE_SLOT ? its.whenSlotFree() : its.whenCompleted(target);
      const r = yield waitFor(signal, budget - elapsed);
      if (!r.fired) return false;
    }
  }

  private count(cmd: ItsCommand): void {
    this.counts.byType[cmd.op]++;
    if (cmd.op === "MAPD") {
      if (cmd.valid) this.counts.mapdValid++;
      else this.counts.mapdInvalid++;
    }
  }

  private allocLpis(n: number): number {
    const i = this.freeLpis.findIndex(([s, e]) => e - s >= n);
    if (i < 0) throw new Error("out of LPIs");
    const [s, e] = this.freeLpis[i]!;
    if (e - s === n) this.freeLpis.splice(i, 1);
    else this.freeLpis[i] = [s + n, e];
    return s;
  }

  private freeLpiRange(start: number, n: number): void {
    this.freeLpis.push([start, start + n]);
    this.freeLpis.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const r of this.freeLpis) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[1] === r[0]) last[1] = r[1];
      else merged.push([r[0], r[1]]);
    }
    this.freeLpis = merged;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function describe(cmd: ItsCommand): Record<string, string | number> {
  const f: Record<string, string | number> = {};
  if (cmd.deviceId !== undefined) f.dev = hex(cmd.deviceId);
  if (cmd.op === "MAPD") {
    f.V = cmd.valid ? 1 : 0;
    if (cmd.valid) f.itt = cmd.ittSize!;
  }
  if (cmd.eventId !== undefined) f.event = cmd.eventId;
  if (cmd.lpi !== undefined) f.lpi = cmd.lpi;
  if (cmd.collection !== undefined) f.col = cmd.collection;
  return f;
}
