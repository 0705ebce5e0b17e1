import { type EventKind, type Lock, Priority, S, type Simulation } from "../engine/index.js";
import type { Step } from "../model/cpu.js";
import type { Machine } from "../model/machine.js";
import type { SetupState } from "./outcome.js";

/** Pieces of plumbing every driver design shares. */

/** Runs `body` holding `lock` (rtnl_lock, reset_sem, the devlink lock). */
export function* locked(lock: Lock, body: Step<unknown>): Step {
  yield lock.acquire();
  try {
    yield body;
  } finally {
    lock.release();
  }
}

/** A layout that does not fit the function's MSI-X table is a scenario error. */
export function checkTable(m: Machine, numMsi: number): void {
  const size = m.params.device.tableSize;
  if (numMsi > size) {
    throw new Error(
      `driver: the layout needs ${numMsi} vectors but params.device.tableSize is ${size}`,
    );
  }
}

/**
 * Vectors the guest driver unmasked whose host setup failed (QEMU only logs "failed to set
 * irqs"; the guest believes they work): the driver never got working vectors.
 */
export function setupFailures(m: Machine): number {
  let n = 0;
  for (const v of m.qemu.failedVectors) if (m.guest.isUnmasked(v)) n++;
  return n;
}

/**
 * A Poisson stream of background events at `rate` per second from its own random stream (a
 * device's other interrupt causes: PTP, error reports), calling `fire` at each.
 */
export function poissonEvents(
  sim: Simulation,
  stream: string,
  rate: number,
  kind: EventKind,
  fire: () => void,
): void {
  const rng = sim.streams.get(stream);
  const mean = S / rate;
  const next = (): void => {
    fire();
    sim.schedule(Math.floor(rng.exponential(mean) + 0.5), next, Priority.NORMAL, kind);
  };
  sim.schedule(Math.floor(rng.exponential(mean) + 0.5), next, Priority.NORMAL, kind);
}

/** The setup part of a driver's outcome: a failed probe, or vectors the host could not set up. */
export function setupState(m: Machine, probeFailed: string | null): SetupState {
  const n = setupFailures(m);
  const hostFailed = n > 0 ? `${n} vector(s) could not be set up at the host` : null;
  return { setupFailed: probeFailed ?? hostFailed, setupFailures: n };
}

/**
 * `fn` computed once per parameter object: a scenario's driver section is one object for all
 * its runs and is never changed, so what is derived from it alone (a vector layout) need not be
 * rebuilt for every run. The result is shared: it must not be changed either.
 */
export function oncePerParams<P extends object, R>(fn: (p: P) => R): (p: P) => R {
  const cache = new WeakMap<P, R>();
  return (p) => {
    let r = cache.get(p);
    if (r === undefined) {
      r = fn(p);
      cache.set(p, r);
    }
    return r;
  };
}
