import { type Exposure, ExposureCalculator } from "../analysis/exposure.js";
import { windowsOf } from "../analysis/windows.js";
import {
  type ProcessBody,
  parseDistribution,
  sleep,
  type Time,
  type TraceSink,
} from "../engine/index.js";
import type { DriverActionName, DriverDescription, GuestDriver } from "../guest/driver.js";
import { driverByName } from "../guest/drivers.js";
import type { DriverOutcome } from "../guest/outcome.js";
import { Machine } from "../model/machine.js";
import { type ModelParams, resolveModelParams } from "../model/params.js";
import type { ProfileName } from "../model/profiles.js";
import { collectRecord } from "../model/run-record.js";
import { expandVectors, type VectorGroups } from "../model/traffic/traffic.js";
import type { RunResult } from "../run/simulate.js";
import { InputError } from "./errors.js";
import { exposurePlan } from "./exposure-plan.js";
import type { ActionName, Scenario } from "./schema.js";

export interface ScenarioRunOptions {
  /** Overrides the scenario's profile and seed (a batch runs one scenario under many). */
  profile?: ProfileName;
  seed?: number | string;
  trace?: TraceSink | null;
  recordInterrupts?: boolean;
}

export interface ScenarioResult extends RunResult {
  outcome: DriverOutcome;
  /** The conditional loss estimator's inputs and value, or null where it is not valid. */
  exposure: Exposure | null;
}

/** A scenario with its parameters built once, to be run under many seeds and profiles. */
export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly params: ModelParams;
  readonly driver: DriverDescription;
  readonly numMsi: number;
  readonly groups: VectorGroups;
  /** The scenario's sources, compiled for the conditional loss estimator (analysis/exposure.ts). */
  readonly exposure: ExposureCalculator;
}

/** A timeline action's generic name (HNS3's older names map onto them). */
const ALIASES: Readonly<Partial<Record<ActionName, DriverActionName>>> = {
  "hns3-load": "load",
  "hns3-unload": "unload",
  "hns3-up": "up",
  "hns3-down": "down",
  "roce-load": "rdma-load",
  "roce-unload": "rdma-unload",
};

export function prepareScenario(scenario: Scenario): PreparedScenario {
  let params: ModelParams;
  try {
    params = resolveModelParams(scenario.params, "params");
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const driver = driverByName(scenario.driver.name);
  let layout: ReturnType<DriverDescription["layout"]>;
  try {
    layout = driver.layout(scenario.driver);
    driver.check(scenario.driver);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (layout.numMsi > params.device.tableSize) {
    throw new InputError(
      `params.device.tableSize: ${params.device.tableSize} is smaller than the ${driver.name} driver's ${layout.numMsi} vectors`,
    );
  }
  const groups = layout.groups;
  scenario.timeline.forEach((e, i) => {
    const action: ActionName = ALIASES[e.action] ?? e.action;
    const guestAction = !["msix-enable", "msix-disable", "unmask", "mask"].includes(action);
    if (guestAction && !driver.actions.includes(action as DriverActionName)) {
      throw new InputError(
        `timeline[${i}].action: the ${driver.name} driver has no "${e.action}" (it has: ${driver.actions.join(", ")})`,
      );
    }
    if (e.vectors !== undefined) {
      for (const v of vectorsOf(e.vectors, groups, `timeline[${i}].vectors`)) {
        if (v >= params.device.tableSize) {
          throw new InputError(
            `timeline[${i}].vectors: vector ${v} is beyond the MSI-X table (size ${params.device.tableSize})`,
          );
        }
      }
    }
  });
  const exposure = new ExposureCalculator(exposurePlan(scenario, groups));
  return { scenario, params, driver, numMsi: layout.numMsi, groups, exposure };
}

function vectorsOf(
  spec: Parameters<typeof expandVectors>[0],
  groups: VectorGroups,
  field: string,
): number[] {
  try {
    return expandVectors(spec, groups);
  } catch (e) {
    throw new InputError(`${field}: ${(e as Error).message}`);
  }
}

/** Runs one scenario to its duration. */
export function runScenario(prep: PreparedScenario, opts: ScenarioRunOptions = {}): ScenarioResult {
  const sc = prep.scenario;
  const seed = opts.seed ?? sc.seed;
  let m: Machine;
  try {
    m = new Machine({
      profile: opts.profile ?? sc.profile,
      seed,
      params: prep.params,
      traffic: sc.traffic,
      vectorGroups: prep.groups,
      until: sc.duration,
      recordInterrupts: opts.recordInterrupts ?? false,
      trace: opts.trace ?? null,
    });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const load =
    sc.nic === undefined
      ? null
      : {
          rxPps: sc.nic.rxPps,
          txPps: sc.nic.txPps,
          start: sc.nic.start,
          stop: Math.min(sc.nic.stop ?? sc.duration, sc.duration),
        };
  const driver = prep.driver.create(m, sc.driver, load);
  const timeline = m.spawn(playTimeline(m, driver, prep), "timeline");
  m.sim.run({ until: sc.duration });
  const record = collectRecord(m, seed);
  const w = windowsOf(record);
  const outcome = driver.outcome(!timeline.finished);
  return {
    record,
    windows: w.drop,
    deferWindows: w.defer,
    outcome,
    exposure: prep.exposure.of(w.drop),
  };
}

/** The timeline, one action after another in the order of their (drawn) times. */
function* playTimeline(m: Machine, d: GuestDriver, prep: PreparedScenario): ProcessBody {
  const rng = m.sim.streams.get("timeline");
  const entries = prep.scenario.timeline
    .map((e, i) => ({ e, i, at: parseDistribution(e.at, `timeline[${i}].at`).sample(rng) as Time }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  for (const { e, at } of entries) {
    if (at > m.sim.now) yield sleep(at - m.sim.now);
    const vectors = e.vectors === undefined ? [] : expandVectors(e.vectors, prep.groups);
    const action: ActionName = ALIASES[e.action] ?? e.action;
    switch (action) {
      case "msix-enable":
        yield m.guest.enable(e.nvec ?? prep.numMsi);
        break;
      case "msix-disable":
        yield m.guest.disable();
        break;
      case "unmask":
        yield m.guest.unmask(vectors);
        break;
      case "mask":
        yield m.guest.mask(vectors);
        break;
      case "load":
        yield d.load();
        break;
      case "unload":
        yield d.unload();
        break;
      case "up":
        yield d.up();
        break;
      case "down":
        yield d.down();
        break;
      case "rdma-load":
        yield d.rdmaLoad();
        break;
      case "rdma-unload":
        yield d.rdmaUnload();
        break;
      case "channels":
        yield d.channels(e.count!);
        break;
      case "reset":
        d.reset();
        break;
      case "guest-flr":
        yield d.flr();
        break;
      case "qemu-reset":
        yield d.qemuReset();
        break;
      case "link-up":
        d.linkUpNow();
        break;
    }
    d.syncGates(m.gates);
  }
}
