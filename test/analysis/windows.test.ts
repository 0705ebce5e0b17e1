import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeWindows } from "../../src/analysis/windows.js";
import { MS, sleep, US } from "../../src/engine/index.js";
import type { Step } from "../../src/model/cpu.js";
import type { Machine } from "../../src/model/machine.js";
import { PROFILE_NAMES } from "../../src/model/profiles.js";
import type { RunRecord } from "../../src/model/run-record.js";
import { simulate } from "../../src/run/simulate.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { prepareScenario, runScenario } from "../../src/scenario/runner.js";
import { computeWindows as referenceWindows } from "./windows-reference.js";

// The sweep in src/analysis/windows.ts must give exactly the windows of the first, direct
// implementation (kept as an oracle in windows-reference.ts), window for window.

function inputs(r: RunRecord) {
  return {
    timeline: r.timeline,
    tableSize: r.tableSize,
    end: r.end,
    lpiTakeLatency: r.lpiTakeLatency,
    pbaSurvivesDisable: r.pbaSurvivesDisable,
  };
}

const seen = { drop: 0, defer: 0, causes: new Set<string>() };

function expectSameWindows(r: RunRecord): void {
  const got = computeWindows(inputs(r));
  const want = referenceWindows(inputs(r));
  expect(got.drop).toEqual(want.drop);
  expect(got.defer).toEqual(want.defer);
  seen.drop += want.drop.length;
  seen.defer += want.defer.length;
  for (const w of want.drop) seen.causes.add(w.cause);
}

const VECTORS = 8;

type Action =
  | { a: "unmask" | "mask"; v: number }
  | { a: "sleep"; us: number }
  | { a: "enable" | "disable" | "flr" | "qemu-reset" };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ a: "enable" } as const) },
  {
    weight: 6,
    arbitrary: fc.record({ a: fc.constant("unmask" as const), v: fc.nat(VECTORS - 1) }),
  },
  { weight: 3, arbitrary: fc.record({ a: fc.constant("mask" as const), v: fc.nat(VECTORS - 1) }) },
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
    if (x.a === "enable") yield* m.guest.enable(VECTORS);
    else if (x.a === "unmask") yield* m.guest.unmask(x.v);
    else if (x.a === "mask") yield* m.guest.mask(x.v);
    else if (x.a === "sleep") yield sleep(x.us * US);
    else if (x.a === "disable") yield* m.guest.disable();
    else if (x.a === "flr") yield* m.guest.flr();
    else {
      yield* m.qemu.vfio_pci_reset();
      m.guest.forget();
    }
  }
}

describe("drop and defer windows", () => {
  it("match the direct computation on random scripted runs", () => {
    fc.assert(
      fc.property(
        fc.record({
          profile: fc.constantFrom(...PROFILE_NAMES),
          seed: fc.nat(10_000),
          pbaSurvivesDisable: fc.boolean(),
          directLpi: fc.boolean(),
          lpiTakeLatency: fc.integer({ min: 0, max: 3000 }),
          actions: fc.array(actionArb, { minLength: 1, maxLength: 24 }),
        }),
        (sc) => {
          const r = simulate({
            profile: sc.profile,
            seed: sc.seed,
            until: 20 * MS,
            params: {
              device: { tableSize: VECTORS, pbaSurvivesDisable: sc.pbaSurvivesDisable },
              its: { directLpi: sc.directLpi },
              host: { lpiTakeLatency: sc.lpiTakeLatency },
            },
            traffic: [{ vectors: "0-7", poisson: { rate: 20_000 } }],
            script: (m) => play(m, [{ a: "enable" }, ...sc.actions]),
          });
          expectSameWindows(r.record);
        },
      ),
      { numRuns: 200 },
    );
    // Not vacuous: the runs open windows of several causes, and defer windows.
    expect(seen.drop).toBeGreaterThan(100);
    expect(seen.defer).toBeGreaterThan(10);
    expect(seen.causes.size).toBeGreaterThanOrEqual(3);
    console.log("windows compared:", seen.drop, "drop,", seen.defer, "defer; causes:", [
      ...seen.causes,
    ]);
  });

  it.each([
    ["hns3-roce-load", "legacy"],
    ["hns3-roce-load", "dyn-small-itt"],
    ["hns3-guest-flr", "noresize"],
    ["hns3-qemu-reset", "legacy"],
    ["single-vector-window", "legacy"],
  ] as const)("match the direct computation on %s (%s)", (preset, profile) => {
    const prep = prepareScenario(resolveScenario({ preset }).scenario);
    for (const seed of [1, 2]) expectSameWindows(runScenario(prep, { profile, seed }).record);
  });
});
