import type { Time } from "../engine/index.js";

/**
 * What a run ended in, for the guest driver. One value per run, the first that applies:
 *  - setup_failed: the driver never got working vectors (its probe failed, or a vector it
 *    unmasked could not be set up at the host, e.g. -ENOSPC from a full ITT);
 *  - reset_failed: the port cannot come back without outside help (HCLGE_STATE_RST_FAIL, an
 *    FLR whose rebuild failed, a reset whose interrupt never came);
 *  - incomplete: the run ended while a recovery was under way (a reset, a mailbox wait, a link
 *    poll or TX timeout still to come) and the state was not yet ok: the duration hid the result;
 *  - link_failed: the interface should be up and its link is down, with nothing pending;
 *  - roce_failed: the NIC is fine but RoCE did not initialise (a mailbox timed out);
 *  - queue_stalled: the link is up but a queue's vector is dead (a lost interrupt with no TX
 *    load to trip the watchdog): traffic hashed to that queue is black-holed;
 *  - ok.
 */
export const OUTCOMES = [
  "ok",
  "queue_stalled",
  "roce_failed",
  "link_failed",
  "incomplete",
  "reset_failed",
  "setup_failed",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The driver's final state, as the outcome needs it. */
export interface DriverState {
  setupFailed: string | null;
  /** Why the port cannot come back, or null. */
  dead: string | null;
  /** The recovery under way at the end, or null. */
  pending: string | null;
  /** The administrator wants the port up (driver probed, interface up). */
  shouldBeUp: boolean;
  linkUp: boolean;
  roceLoaded: boolean;
  roceOk: boolean;
  stalledQueues: number;
  linkUpNs: Time | null;
  resetAttempts: number;
  portResets: number;
  rstFail: boolean;
  roceFailed: boolean;
  txTimeouts: number;
  mailboxTimeouts: number;
  queueStallNs: number;
  miscStuck: boolean;
  setupFailures: number;
}

/** The setup part of the state (guest/driver-kit.ts `setupState`). */
export type SetupState = Pick<DriverState, "setupFailed" | "setupFailures">;

export interface DriverOutcome extends DriverState {
  outcome: Outcome;
  /** A short reason for a non-ok outcome (empty when ok). */
  reason: string;
  /** The link is down for good at the end (reset_failed or link_failed with the port wanted up). */
  linkFailed: boolean;
}

/**
 * The outcome of a driver's final state. The setup part comes as its own object (what
 * `setupState` returns), not spread into `s`: a literal that spreads one object and adds more
 * builds a new hidden class on every call (tens of µs a run).
 */
export function classifyOutcome(
  s: Omit<DriverState, keyof SetupState>,
  setup: SetupState,
): DriverOutcome {
  const linkDown = s.shouldBeUp && !s.linkUp;
  const roceBad = s.roceLoaded && !s.roceOk;
  const stalled = s.shouldBeUp && s.linkUp && s.stalledQueues > 0;
  let outcome: Outcome;
  let reason = "";
  if (setup.setupFailed !== null) {
    outcome = "setup_failed";
    reason = setup.setupFailed;
  } else if (s.dead !== null && s.shouldBeUp) {
    outcome = "reset_failed";
    reason = s.dead;
  } else if (s.pending !== null && (linkDown || roceBad || stalled)) {
    outcome = "incomplete";
    reason = `run ended during: ${s.pending}`;
  } else if (linkDown) {
    outcome = "link_failed";
    reason = s.miscStuck ? "link down; the misc vector is stuck (a lost interrupt)" : "link down";
  } else if (roceBad) {
    outcome = "roce_failed";
    reason = "RoCE init failed (mailbox timeout)";
  } else if (stalled) {
    outcome = "queue_stalled";
    reason = `${s.stalledQueues} queue(s) stalled by a lost interrupt`;
  } else {
    outcome = "ok";
  }
  const linkFailed = outcome === "reset_failed" || outcome === "link_failed";
  // Every field written out: a spread plus more fields builds a new hidden class on each call.
  return {
    setupFailed: setup.setupFailed,
    dead: s.dead,
    pending: s.pending,
    shouldBeUp: s.shouldBeUp,
    linkUp: s.linkUp,
    roceLoaded: s.roceLoaded,
    roceOk: s.roceOk,
    stalledQueues: s.stalledQueues,
    linkUpNs: s.linkUpNs,
    resetAttempts: s.resetAttempts,
    portResets: s.portResets,
    rstFail: s.rstFail,
    roceFailed: s.roceFailed,
    txTimeouts: s.txTimeouts,
    mailboxTimeouts: s.mailboxTimeouts,
    queueStallNs: s.queueStallNs,
    miscStuck: s.miscStuck,
    setupFailures: setup.setupFailures,
    outcome,
    reason,
    linkFailed,
  };
}
