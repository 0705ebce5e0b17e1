import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MS, sleep, US } from "../../src/engine/index.js";
import type { Step } from "../../src/model/cpu.js";
import type { Machine } from "../../src/model/machine.js";
import { causeName } from "../../src/model/outcomes.js";
import { PROFILE_NAMES } from "../../src/model/profiles.js";
import { GuestView, Track } from "../../src/model/timeline.js";
import { simulate } from "../../src/run/simulate.js";

type Action =
  | { a: "enable" }
  | { a: "unmask"; v: number }
  | { a: "mask"; v: number }
  | { a: "sleep"; us: number }
  | { a: "disable" }
  | { a: "flr" }
  | { a: "qemu-reset" };

const VECTORS = 8;

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ a: "enable" } as const) },
  {
    weight: 6,
    arbitrary: fc.record({ a: fc.constant("unmask" as const), v: fc.nat(VECTORS - 1) }),
  },
  { weight: 2, arbitrary: fc.record({ a: fc.constant("mask" as const), v: fc.nat(VECTORS - 1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      a: fc.constant("sleep" as const),
      us: fc.integer({ min: 0, max: 3000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ a: "disable" } as const) },
  { weight: 1, arbitrary: fc.constant({ a: "flr" } as const) },
  { weight: 1, arbitrary: fc.constant({ a: "qemu-reset" } as const) },
);

function* play(m: Machine, actions: Action[]): Step {
  for (const x of actions) {
    switch (x.a) {
      case "enable":
        yield* m.guest.enable(VECTORS);
        break;
      case "unmask":
        yield* m.guest.unmask(x.v);
        break;
      case "mask":
        yield* m.guest.mask(x.v);
        break;
      case "sleep":
        yield sleep(x.us * US);
        break;
      case "disable":
        yield* m.guest.disable();
        break;
      case "flr":
        yield* m.guest.flr();
        break;
      case "qemu-reset":
        yield* m.qemu.vfio_pci_reset();
        m.guest.forget();
        break;
    }
  }
}

const scenarioArb = fc.record({
  profile: fc.constantFrom(...PROFILE_NAMES),
  seed: fc.nat(10_000),
  pbaSurvivesDisable: fc.boolean(),
  directLpi: fc.boolean(),
  lpiTakeLatency: fc.integer({ min: 0, max: 3000 }),
  flr: fc.integer({ min: 0, max: 2000 }),
  traffic: fc.array(
    fc.record({
      v: fc.nat(VECTORS - 1),
      rate: fc.integer({ min: 1000, max: 300_000 }),
      startUs: fc.integer({ min: 0, max: 5000 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 16 }),
});

describe("random scripted runs", () => {
  it("conserve every interrupt, and drop only inside drop windows of the same cause", () => {
    let checked = 0;
    let deliveriesChecked = 0;
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        // simulate() throws if conservation breaks on any vector.
        const r = simulate({
          profile: sc.profile,
          seed: sc.seed,
          until: 20 * MS,
          recordInterrupts: true,
          params: {
            device: { tableSize: VECTORS, pbaSurvivesDisable: sc.pbaSurvivesDisable },
            its: { directLpi: sc.directLpi },
            host: { lpiTakeLatency: sc.lpiTakeLatency, cost: { flr: `${sc.flr}us` } },
          },
          traffic: sc.traffic.map((t) => ({
            vectors: t.v,
            start: t.startUs * US,
            poisson: { rate: t.rate },
          })),
          script: (m) => play(m, [{ a: "enable" }, ...sc.actions]),
        });
        const { record, windows } = r;
        const byVector = new Map<number, typeof windows>();
        for (const w of windows) {
          expect(w.end).toBeGreaterThan(w.start);
          const list = byVector.get(w.vector) ?? [];
          if (list.length > 0) expect(w.start).toBeGreaterThanOrEqual(list[list.length - 1]!.end);
          list.push(w);
          byVector.set(w.vector, list);
        }
        for (const d of record.drops!) {
          const expects =
            record.timeline.valueAt(Track.GUEST, d.vector, d.raisedAt, GuestView.UNUSED) ===
            GuestView.UNMASKED;
          if (!expects) continue;
          checked++;
          const inWindow = (byVector.get(d.vector) ?? []).some(
            (w) => w.start <= d.raisedAt && d.raisedAt < w.end && w.cause === causeName(d.cause),
          );
          if (!inWindow) {
            throw new Error(
              `drop outside windows: vector ${d.vector} raised ${d.raisedAt} cause ${causeName(d.cause)}; windows ${JSON.stringify(byVector.get(d.vector) ?? [])}`,
            );
          }
        }
        // Conversely, an interrupt that reached the guest was not raised inside a drop window.
        for (const d of record.deliveries!) {
          const w = (byVector.get(d.vector) ?? []).find(
            (x) => x.start <= d.raisedAt && d.raisedAt < x.end,
          );
          if (w !== undefined) {
            throw new Error(
              `delivered inside a drop window: vector ${d.vector} raised ${d.raisedAt}, window ${JSON.stringify(w)}`,
            );
          }
          deliveriesChecked++;
        }
      }),
      { numRuns: 300 },
    );
    console.log("drops checked against windows:", checked, "deliveries:", deliveriesChecked);
  });
});
