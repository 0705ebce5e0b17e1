import {
  defineKind,
  Priority,
  type RandomStream,
  S,
  type Simulation,
  type Time,
} from "../../engine/index.js";
import type { ItsCommandName } from "../params.js";
import type { Its } from "./its.js";

const ARRIVAL = defineKind("its", "background-command");

/**
 * Commands from other devices and CPUs sharing the ITS (Poisson arrivals). They take queue
 * slots and ITS time but do not touch our device's tables; one that finds the queue full is
 * not posted (its submitter is not modelled).
 */
export class ItsBackgroundLoad {
  private readonly meanGap: number;
  private readonly fire = (): void => this.arrive();
  posted = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly its: Its,
    private readonly rng: RandomStream,
    perSecond: number,
    private readonly op: ItsCommandName,
    private readonly until: Time,
  ) {
    this.meanGap = S / perSecond;
  }

  start(): void {
    this.next();
  }

  private next(): void {
    const t = this.sim.now + Math.floor(this.rng.exponential(this.meanGap) + 0.5);
    if (t < this.until) this.sim.at(t, this.fire, Priority.NORMAL, ARRIVAL);
  }

  private arrive(): void {
    if (this.its.hasFreeSlot()) {
      this.its.post({ op: this.op, background: true });
      this.posted++;
    }
    this.next();
  }
}
