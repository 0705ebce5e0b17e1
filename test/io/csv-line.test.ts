import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLine, csvRow } from "../../src/io/csv-line.js";

// The options of writeCsvAtomic (src/io/files.ts), whose files the streamed ones must equal.
const opts = { cast: { boolean: (b: boolean) => (b ? "1" : "0") } };
const value = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constantFrom("", ",", '"', "a,b", 'say "hi"', "x\ny", "\r", "legacy", "0", "-1"),
);

describe("csvLine", () => {
  it("writes what csv-stringify writes, field for field", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 12 }), (values) => {
        expect(`${csvLine(values)}\n`).toBe(stringify([values], opts));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes keyed rows in column order, missing keys empty", () => {
    const columns = ["run", "profile", "reason", "absent"];
    const row = { profile: "legacy", run: 3, reason: 'a "b", c' };
    expect(`${csvRow(row, columns)}\n`).toBe(stringify([row], { ...opts, columns }));
  });
});
