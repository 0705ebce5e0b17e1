import { describe, expect, it } from "vitest";
import { defineKind, Priority, Simulation } from "../../src/engine/index.js";

function recorder(sim: Simulation) {
  const log: Array<[number, string]> = [];
  const mark = (label: string) => () => log.push([sim.now, label]);
  return { log, mark };
}

describe("Simulation ordering", () => {
  it("dispatches by time, then priority, then insertion order", () => {
    const sim = new Simulation();
    const { log, mark } = recorder(sim);
    sim.schedule(20, mark("t20"));
    sim.schedule(10, mark("t10-normal-a"));
    sim.schedule(10, mark("t10-monitor"), Priority.MONITOR);
    sim.schedule(10, mark("t10-urgent"), Priority.URGENT);
    sim.schedule(10, mark("t10-normal-b"));
    sim.schedule(0, mark("t0"));
    sim.run();
    expect(log).toEqual([
      [0, "t0"],
      [10, "t10-urgent"],
      [10, "t10-normal-a"],
      [10, "t10-normal-b"],
      [10, "t10-monitor"],
      [20, "t20"],
    ]);
  });

  it("keeps FIFO among events a handler schedules for the same instant", () => {
    const sim = new Simulation();
    const { log, mark } = recorder(sim);
    sim.schedule(5, () => {
      sim.schedule(0, mark("a"));
      sim.schedule(0, mark("b"));
      sim.schedule(0, mark("c"));
    });
    sim.schedule(5, mark("sibling"));
    sim.run();
    expect(log.map((x) => x[1])).toEqual(["sibling", "a", "b", "c"]);
  });

  it("handles handlers that schedule none, one or many events", () => {
    const sim = new Simulation();
    let count = 0;
    const fan = (depth: number) => () => {
      count++;
      if (depth === 0) return;
      for (let i = 0; i < depth; i++) sim.schedule(i + 1, fan(depth - 1));
    };
    sim.schedule(0, fan(4));
    sim.run();
    // 1 + 4 + 4*3 + 4*3*2 + 4*3*2*1
    expect(count).toBe(1 + 4 + 12 + 24 + 24);
    expect(sim.dispatched).toBe(count);
    expect(sim.pending).toBe(0);
  });

  it("rejects bad delays and priorities", () => {
    const sim = new Simulation();
    expect(() => sim.schedule(-1, () => {})).toThrow(/delay -1/);
    expect(() => sim.schedule(1.5, () => {})).toThrow(/integer/);
    expect(() => sim.schedule(Number.NaN, () => {})).toThrow(/delay/);
    expect(() => sim.schedule(1, () => {}, -1)).toThrow(/priority/);
    expect(() => sim.schedule(1, () => {}, 2000)).toThrow(/priority/);
    sim.schedule(10, () => {});
    sim.run();
    expect(() => sim.at(5, () => {})).toThrow(/before now/);
  });
});

describe("cancellation", () => {
  it("skips a cancelled event and reports what it cancelled", () => {
    const sim = new Simulation();
    const { log, mark } = recorder(sim);
    const a = sim.schedule(10, mark("a"));
    sim.schedule(20, mark("b"));
    expect(sim.pending).toBe(2);
    expect(sim.cancel(a)).toBe(true);
    expect(sim.cancel(a)).toBe(false);
    expect(sim.isPending(a)).toBe(false);
    expect(sim.pending).toBe(1);
    sim.run();
    expect(log).toEqual([[20, "b"]]);
    expect(sim.dispatched).toBe(1);
  });

  it("cannot cancel an event that already ran, even after its slot is reused", () => {
    const sim = new Simulation();
    let ran = 0;
    const first = sim.schedule(1, () => {
      ran++;
    });
    sim.run();
    // The next event reuses the freed slot; the stale handle must not reach it.
    const second = sim.schedule(1, () => {
      ran++;
    });
    expect(sim.cancel(first)).toBe(false);
    expect(sim.isPending(second)).toBe(true);
    sim.run();
    expect(ran).toBe(2);
  });

  it("lets a handler cancel a later event and its own follow-up", () => {
    const sim = new Simulation();
    const { log, mark } = recorder(sim);
    const later = sim.schedule(30, mark("later"));
    sim.schedule(10, () => {
      sim.cancel(later);
      const own = sim.schedule(5, mark("own"));
      sim.cancel(own);
      sim.schedule(6, mark("kept"));
    });
    sim.run();
    expect(log).toEqual([[16, "kept"]]);
  });

  it("ignores null, undefined and malformed handles", () => {
    const sim = new Simulation();
    expect(sim.cancel(null)).toBe(false);
    expect(sim.cancel(undefined)).toBe(false);
    expect(sim.cancel(-5)).toBe(false);
    expect(sim.cancel(1.5)).toBe(false);
    expect(sim.cancel(2 ** 40)).toBe(false);
  });
});

describe("run({ until })", () => {
  it("dispatches events at exactly `until` and leaves the clock there", () => {
    const sim = new Simulation();
    const { log, mark } = recorder(sim);
    sim.schedule(100, mark("at-until"));
    sim.schedule(101, mark("after"));
    expect(sim.run({ until: 100 })).toBe("until");
    expect(log).toEqual([[100, "at-until"]]);
    expect(sim.now).toBe(100);
    expect(sim.pending).toBe(1);
    expect(sim.run({ until: 150 })).toBe("until");
    expect(log).toEqual([
      [100, "at-until"],
      [101, "after"],
    ]);
    expect(sim.now).toBe(150);
  });

  it("advances the clock to `until` when the queue runs dry first", () => {
    const sim = new Simulation();
    sim.schedule(5, () => {});
    expect(sim.run({ until: 1000 })).toBe("until");
    expect(sim.now).toBe(1000);
    expect(sim.run()).toBe("empty");
    expect(() => sim.run({ until: 10 })).toThrow(/before now/);
  });

  it("returns early on stop() and resumes where it stopped", () => {
    const sim = new Simulation();
    const { log, mark } = recorder(sim);
    sim.schedule(10, () => {
      log.push([sim.now, "stopper"]);
      sim.stop();
    });
    sim.schedule(10, mark("same-instant"));
    sim.schedule(20, mark("later"));
    expect(sim.run()).toBe("stopped");
    expect(log).toEqual([[10, "stopper"]]);
    expect(sim.run()).toBe("empty");
    expect(log.length).toBe(3);
  });

  it("step() dispatches one event at a time", () => {
    const sim = new Simulation();
    sim.schedule(3, () => {});
    sim.schedule(7, () => {});
    expect(sim.peekTime()).toBe(3);
    expect(sim.step()).toBe(true);
    expect(sim.now).toBe(3);
    expect(sim.step()).toBe(true);
    expect(sim.now).toBe(7);
    expect(sim.step()).toBe(false);
    expect(sim.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("fingerprint", () => {
  function trajectory(seed: number, extraEvent = false): string {
    const sim = new Simulation({ seed });
    const rng = sim.streams.get("arrivals");
    const kind = defineKind("test", "arrival");
    let n = 0;
    const arrive = () => {
      if (++n < 500) sim.schedule(Math.floor(rng.exponential(1000)), arrive, Priority.NORMAL, kind);
    };
    sim.schedule(0, arrive, Priority.NORMAL, kind);
    if (extraEvent) sim.schedule(12345, () => {});
    sim.run();
    return sim.fingerprint.hex();
  }

  it("is equal for equal seeds and differs for different seeds or trajectories", () => {
    expect(trajectory(1)).toMatch(/^[0-9a-f]{16}$/);
    expect(trajectory(1)).toBe(trajectory(1));
    expect(trajectory(1)).not.toBe(trajectory(2));
    expect(trajectory(1)).not.toBe(trajectory(1, true));
  });
});
