import { Signal } from "./process.js";
import type { Simulation } from "./simulation.js";

/**
 * A FIFO mutex for processes: `yield lock.acquire()` waits for it; `lock.release()` hands it to
 * the next waiter (a driver's rtnl or reset lock, QEMU's big lock).
 */
export class Lock {
  private held = false;
  private readonly queue: Array<Signal<void>> = [];

  constructor(
    private readonly sim: Simulation,
    readonly name = "lock",
  ) {}

  get locked(): boolean {
    return this.held;
  }

  acquire(): Signal<void> {
    const s = new Signal<void>(this.sim, `${this.name}.acquire`);
    if (!this.held) {
      this.held = true;
      s.fire();
    } else {
      this.queue.push(s);
    }
    return s;
  }

  release(): void {
    if (!this.held) throw new Error(`${this.name}: release of a lock that is not held`);
    const next = this.queue.shift();
    if (next === undefined) this.held = false;
    else next.fire();
  }
}
