import { type DurationInput, parseDuration, S } from "../engine/index.js";
import type { ScenarioInput } from "./schema.js";

/** A knob of a preset, settable with --param name=value. */
export interface PresetParam {
  readonly name: string;
  readonly kind: "number" | "integer" | "duration" | "boolean" | "choice";
  readonly default: number | string | boolean;
  readonly description: string;
  readonly choices?: readonly string[];
  /** For numbers: exclusive lower bound (e.g. a rate must be > 0) or inclusive minimum. */
  readonly above?: number;
  readonly min?: number;
  /** A duration that may also be "auto" (the preset computes it). */
  readonly auto?: boolean;
}

export type PresetValues = Record<string, number | string | boolean>;

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly params: readonly PresetParam[];
  build(v: PresetValues): ScenarioInput;
}

export type Timeline = NonNullable<ScenarioInput["timeline"]>;

export const ns = (x: number | string | boolean): number => parseDuration(x as DurationInput);

/** Time to allow for a driver's rebuild, or an RDMA driver's vector growth, after it starts. */
export const REBUILD = 500_000_000;

export const rxPps = (dflt: number): PresetParam => ({
  name: "rx_pps",
  kind: "number",
  default: dflt,
  min: 0,
  description: "received packets per second on each queue in use",
});
export const txPps = (dflt: number): PresetParam => ({
  name: "tx_pps",
  kind: "number",
  default: dflt,
  min: 0,
  description:
    "transmitted packets per second on each queue (0: RX only, which never trips the TX watchdog)",
});
export const trafficBefore: PresetParam = {
  name: "traffic_before",
  kind: "duration",
  default: "50ms",
  description: "NIC packets start this long before the reconfiguration",
};
export const trafficAfter: PresetParam = {
  name: "traffic_after",
  kind: "duration",
  default: "auto",
  auto: true,
  description:
    "and stop this long after it; auto: long enough for a stalled queue to send tx_stop packets (3 x txStopPackets / tx_pps, at least 1 s), so that TX load decides the watchdog, not the window",
};
export const duration = (dflt: string): PresetParam => ({
  name: "duration",
  kind: "duration",
  default: dflt,
  description:
    "simulated time of a run: long enough for the slowest recovery the preset can trigger (watchdog, throttled reset, retries); a run that ends mid-recovery says outcome=incomplete",
});

/**
 * traffic_after with "auto": long enough for a queue stalled at the end of the reconfiguration
 * to send 3 x `txStopPackets` (so TX load decides the watchdog, not the window), at least 1 s.
 */
export function trafficAfterOf(v: PresetValues, txStopPackets: number): number {
  if (v.traffic_after !== "auto") return ns(v.traffic_after);
  const tx = Number(v.tx_pps);
  return Math.max(S, tx > 0 ? Math.ceil((3 * txStopPackets * S) / tx) : 0);
}

/**
 * The scenario's `nic` load from rx_pps / tx_pps: packets from traffic_before before `from`
 * to traffic_after after `to` (the reconfiguration happens within [from, to]); none at 0 pps.
 */
export function nicLoadOf(
  v: PresetValues,
  [from, to]: readonly [number, number],
  txStopPackets: number,
): Pick<ScenarioInput, "nic"> {
  const pps = Number(v.rx_pps) + Number(v.tx_pps);
  if (!(pps > 0)) return {};
  return {
    nic: {
      rxPps: Number(v.rx_pps),
      txPps: Number(v.tx_pps),
      start: Math.max(0, from - ns(v.traffic_before)),
      stop: to + trafficAfterOf(v, txStopPackets),
    },
  };
}
