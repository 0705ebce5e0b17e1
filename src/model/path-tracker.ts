import type { Simulation } from "../engine/index.js";
import type { MessageObserver, MsixFunction } from "./device/msix-function.js";
import type { Its, TableObserver } from "./its/its.js";
import { type Timeline, Track, XLATE_NO_MESSAGE } from "./timeline.js";

/**
 * Keeps the XLATE track current: for every vector, what the ITS would make of its entry's
 * message right now (an LPI, or the drop cause). Re-evaluated when a message is written or a
 * command changes the ITS tables.
 */
export class PathTracker implements MessageObserver, TableObserver {
  constructor(
    private readonly sim: Simulation,
    private readonly device: MsixFunction,
    private readonly its: Its,
    private readonly timeline: Timeline,
  ) {}

  messageChanged(v: number): void {
    this.update(v);
  }

  tablesChanged(deviceId: number, eventId: number): void {
    if (deviceId !== this.device.deviceId) return;
    const ids = this.device.eventId;
    for (let v = 0; v < ids.length; v++) {
      if (ids[v]! >= 0 && (eventId < 0 || ids[v] === eventId)) this.update(v);
    }
  }

  private update(v: number): void {
    const eventId = this.device.eventId[v]!;
    const x = eventId < 0 ? XLATE_NO_MESSAGE : this.its.translate(this.device.deviceId, eventId);
    this.timeline.set(Track.XLATE, v, this.sim.now, x);
  }
}
