import { deserialize, serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../src/batch/execute.js";
import { packChunk, unpackChunk } from "../../src/batch/result-chunk.js";

const num = fc.oneof(fc.integer(), fc.double(), fc.constant(-0), fc.constant(Number.NaN));
const text = fc.string({ unit: "grapheme", maxLength: 40 });
const input = (run: number) =>
  fc.record({
    run: fc.constant(run),
    profile: fc.constantFrom("legacy", "dyn", "legacy+drain", 'x,"y"'),
    linkFailed: num,
    dropped: num,
    dropWindowTotal: num,
    resizeCycles: num,
    resetAttempts: num,
    portResets: num,
    outcome: fc.oneof(fc.constantFrom("ok", "link_failed", "incomplete"), text),
    pLossConditional: fc.oneof(fc.constant(null), num),
  });

/** Chunks of runs with the same number of summary inputs each, as a batch makes them. */
const chunk = fc.integer({ min: 0, max: 4 }).chain((perRun) =>
  fc.array(
    fc.nat(1e6).chain((run) =>
      fc.record({
        run: fc.constant(run),
        events: fc.nat(),
        runs: text,
        windows: text,
        cycles: text,
        inputs: fc.array(input(run), { minLength: perRun, maxLength: perRun }),
      }),
    ),
    { maxLength: 20 },
  ),
);

describe("packed chunk of results", () => {
  it("gives back every result field for field, also after the IPC channel's serializer", () => {
    fc.assert(
      fc.property(chunk, (results: RunResult[]) => {
        const packed = deserialize(serialize(packChunk(results)));
        expect(unpackChunk(packed)).toEqual(results);
      }),
    );
  });

  it("refuses runs with different numbers of summary inputs, and a damaged chunk", () => {
    const r = (run: number, n: number): RunResult => ({
      run,
      events: 1,
      runs: "a\n",
      windows: "",
      cycles: "",
      inputs: Array.from({ length: n }, () => ({
        run,
        profile: "legacy",
        linkFailed: 0,
        dropped: 0,
        dropWindowTotal: 0,
        resizeCycles: 1,
        resetAttempts: 0,
        portResets: 0,
        outcome: "ok",
        pLossConditional: null,
      })),
    });
    expect(() => packChunk([r(0, 1), r(1, 2)])).toThrow(/run 1 has 2 summary inputs, not 1/);
    const p = packChunk([r(0, 1), r(1, 1)]);
    expect(() => unpackChunk({ ...p, text: `${p.text}x` })).toThrow(/1 characters of text left/);
    expect(() => unpackChunk({ ...p, runs: 3 })).toThrow(/numbers for 3 runs/);
  });
});
