import {
  type Process,
  type ProcessBody,
  Simulation,
  spawn,
  type Time,
  type TraceSink,
} from "../engine/index.js";
import { zeroedF64 } from "../engine/typed-arrays.js";
import { InterruptAccounting } from "./accounting.js";
import { Cpu } from "./cpu.js";
import { MsixFunction } from "./device/msix-function.js";
import { GuestMsix } from "./guest/msix-programming.js";
import { Genirq } from "./host/genirq.js";
import { ItsDriver, LPI_BASE } from "./host/its-driver.js";
import { PciMsi } from "./host/pci-msi.js";
import { VfioPci } from "./host/vfio-pci.js";
import { ItsBackgroundLoad } from "./its/background-load.js";
import { Its } from "./its/its.js";
import { Redistributor } from "./its/redistributor.js";
import { type ModelParams, type ModelParamsInput, resolveModelParams } from "./params.js";
import { PathTracker } from "./path-tracker.js";
import { type Profile, type ProfileName, profileByName } from "./profiles.js";
import { MsixEmulation } from "./qemu/msix-emulation.js";
import { VfioMsix } from "./qemu/vfio-msix.js";
import { Timeline } from "./timeline.js";
import {
  Gates,
  type Source,
  startTraffic,
  type TrafficInput,
  TrafficSchema,
  type TrafficSpec,
  type VectorGroups,
} from "./traffic/traffic.js";

export interface MachineOptions {
  profile: ProfileName | Profile;
  seed: number | string;
  /** Parameter overrides (validated), or already resolved parameters. */
  params?: ModelParamsInput | ModelParams;
  traffic?: readonly TrafficInput[];
  /** Names usable in traffic `vectors` (e.g. a driver's "misc", "tqp", "roce"). */
  vectorGroups?: VectorGroups;
  /** Run end; events at exactly this time still run. */
  until: Time;
  /** Keep every drop (vector, raise time, cause) in the record: for tests and traces. */
  recordInterrupts?: boolean;
  trace?: TraceSink | null;
}

function isResolved(p: ModelParamsInput | ModelParams | undefined): p is ModelParams {
  return (
    p !== undefined &&
    typeof (p as ModelParams).guest?.flrWait === "object" &&
    typeof (p as ModelParams).guest.flrWait.sample === "function"
  );
}

/**
 * One simulated machine: the physical function, the ITS, the Linux host (ITS driver, PCI MSI
 * core, genirq, vfio-pci), QEMU (emulated MSI-X + vfio-pci) and the guest's MSI-X programming,
 * wired through their narrow interfaces. The data path runs device -> ITS -> redistributor ->
 * genirq -> vfio -> QEMU/KVM -> guest.
 */
/** Traffic specs parsed by earlier runs, by identity (a batch builds a model per run). */
const parsedTraffic = new WeakMap<object, TrafficSpec>();

export class Machine {
  readonly sim: Simulation;
  readonly profile: Profile;
  readonly params: ModelParams;
  readonly acct: InterruptAccounting;
  readonly timeline = new Timeline();
  readonly device: MsixFunction;
  readonly its: Its;
  readonly redistributor: Redistributor;
  readonly itsDriver: ItsDriver;
  readonly pciMsi: PciMsi;
  readonly genirq: Genirq;
  readonly vfio: VfioPci;
  readonly msixEmulation: MsixEmulation;
  readonly qemu: VfioMsix;
  readonly guest: GuestMsix;
  readonly until: Time;
  readonly background: ItsBackgroundLoad | null;
  readonly sources: Source[];
  /** Switches for gated traffic (drivers open "nic" when the interface is up, etc.). */
  readonly gates = new Gates();

  constructor(opts: MachineOptions) {
    if (!(Number.isSafeInteger(opts.until) && opts.until > 0)) {
      throw new Error(`until: must be a positive whole number of ns, got ${opts.until}`);
    }
    this.until = opts.until;
    this.profile = typeof opts.profile === "string" ? profileByName(opts.profile) : opts.profile;
    this.params = isResolved(opts.params) ? opts.params : resolveModelParams(opts.params ?? {});
    const p = this.params;
    const sim = new Simulation({ seed: opts.seed, trace: opts.trace ?? null });
    this.sim = sim;
    const tableSize = p.device.tableSize;
    this.acct = new InterruptAccounting(tableSize, opts.recordInterrupts ?? false, sim);

    const hostCpu = new Cpu(sim, "host", sim.streams.get("host/cpu"));
    const itsCpu = new Cpu(sim, "its", sim.streams.get("host/cpu"));
    const qemuCpu = new Cpu(sim, "qemu", sim.streams.get("qemu/cpu"));
    const guestCpu = new Cpu(sim, "guest", sim.streams.get("guest/cpu"));

    this.redistributor = new Redistributor(
      sim,
      p.host.lpiTakeLatency,
      this.acct,
      this.timeline,
      LPI_BASE,
    );
    this.its = new Its(
      sim,
      p.its.queueSlots,
      p.its.commandLatency,
      sim.streams.get("its/latency"),
      this.redistributor,
      this.acct,
    );
    this.device = new MsixFunction(
      sim,
      tableSize,
      p.device.deviceId,
      p.device.pbaSurvivesDisable,
      this.acct,
      this.timeline,
      this.its,
    );
    const tracker = new PathTracker(sim, this.device, this.its, this.timeline);
    this.device.observer = tracker;
    this.its.observer = tracker;

    this.itsDriver = new ItsDriver(sim, this.its, this.redistributor, p, this.profile, itsCpu);
    this.pciMsi = new PciMsi(this.device, this.itsDriver, p, this.profile, hostCpu);
    this.genirq = new Genirq(
      sim,
      this.pciMsi,
      this.itsDriver,
      p,
      this.acct,
      this.timeline,
      hostCpu,
    );
    this.redistributor.handler = this.genirq;
    this.vfio = new VfioPci(this.device, this.pciMsi, this.genirq, p, this.profile, hostCpu);
    this.genirq.eventfds = this.vfio;

    this.msixEmulation = new MsixEmulation(
      sim,
      tableSize,
      this.acct,
      this.timeline,
      [p.qemu.deliverKvm, p.qemu.deliverQemu],
      this.until,
    );
    this.qemu = new VfioMsix(sim, this.msixEmulation, this.vfio, p, qemuCpu);
    this.vfio.eventfdSink = this.qemu;
    this.guest = new GuestMsix(this.qemu, this.vfio, p, guestCpu, tableSize);

    const traffic = (opts.traffic ?? []).map((t, i) => {
      const known = parsedTraffic.get(t);
      if (known !== undefined) return known;
      const r = TrafficSchema.safeParse(t);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new Error(
          `traffic[${i}]${issue.path.map((k) => `.${String(k)}`).join("")}: ${issue.message}`,
        );
      }
      parsedTraffic.set(t, r.data);
      return r.data;
    });
    this.sources = startTraffic(sim, this.device, traffic, tableSize, this.until, {
      groups: opts.vectorGroups ?? {},
      gates: this.gates,
    });

    this.background =
      p.its.background.rate > 0
        ? new ItsBackgroundLoad(
            sim,
            this.its,
            sim.streams.get("its/background"),
            p.its.background.rate,
            p.its.background.command,
            this.until,
          )
        : null;
    this.background?.start();
  }

  /** Starts a control-plane script (guest actions, drivers) as a process. */
  spawn<R>(body: ProcessBody<R>, name = "script"): Process<R> {
    return spawn(this.sim, body, name);
  }

  /** Interrupts still held somewhere on the path (pending bits, in flight to the guest), per vector. */
  pendingByVector(): Float64Array {
    const out = zeroedF64(this.params.device.tableSize);
    this.device.addPending(out);
    this.redistributor.addPending(out);
    this.msixEmulation.addPending(out);
    return out;
  }
}
