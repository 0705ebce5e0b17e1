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

  it("reads any column name as that key alone (its formatter is compiled from the names)", () => {
    const name = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '"',
        "\\",
        "`",
        "$" + "{x}",
        "a\nb",
        "\u2028",
        "]); throw 1; ([",
        "constructor",
      ),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 1, maxLength: 8 }),
        fc.array(value, { minLength: 8, maxLength: 8 }),
        (columns, values) => {
          const row: Record<string, unknown> = Object.create(null);
          // Every other column is left out of the row: it reads as empty.
          columns.forEach((c, i) => {
            if (i % 2 === 0) Object.defineProperty(row, c, { value: values[i], enumerable: true });
          });
          const expected = csvLine(columns.map((c) => row[c] as never));
          expect(csvRow(row as never, columns)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
