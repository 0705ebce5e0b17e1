/**
 * One CSV record as text, exactly as csv-stringify writes it with the options our output files
 * use (comma, double quote, "\n" records, booleans cast to 1/0): a batch formats every run's
 * rows as they arrive, and csv-stringify's per-call set-up costs about six times the
 * formatting itself (44 vs 7 µs for a runs.csv row, measured), too much on the path of runs
 * that take 100 µs. test/io/csv-line.test.ts checks the two agree on arbitrary values.
 */
export type CsvValue = string | number | boolean | null | undefined;

/** One field: empty for null/undefined, 1/0 for booleans, quoted when it holds , " \n or \r. */
function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return `${v}`;
  if (typeof v === "boolean") return v ? "1" : "0";
  if (!NEEDS_QUOTES.test(v)) return v;
  return `"${v.replaceAll('"', '""')}"`;
}
const NEEDS_QUOTES = /[",\n\r]/;

/**
 * Fields are collected here and joined: join makes the line one flat string. Built with +=, a
 * line is a tree of ~2 string objects per field (V8 concatenates into "cons" strings), and a
 * worker keeps a chunk's lines until it sends them: every scavenge meanwhile copies them.
 */
const FIELDS: string[] = [];

/** A record of fields, without its line end. */
export function csvLine(values: readonly CsvValue[]): string {
  const n = values.length;
  FIELDS.length = n;
  for (let i = 0; i < n; i++) FIELDS[i] = csvField(values[i]);
  return FIELDS.join(",");
}

type Row = Readonly<Record<string, CsvValue>>;

/**
 * A formatter per column list (by identity: pass a constant array, such as RUN_COLUMNS), made
 * at its first use. It reads every column with a key of its own written into its code, where a
 * loop over the columns reads them all through one `row[key]` site: that site sees fifty keys,
 * V8 stops caching them and looks each up the slow way. In a batch worker, between runs that
 * fill V8's caches with everything else, a runs.csv row took 10.9 µs through the loop and 4.7
 * µs compiled (same row, same process, measured in turn). The code is made from the column
 * names by JSON.stringify, which quotes any string as a valid literal, so no name can change
 * what it does; every field goes through csvField, as csvLine's do.
 */
const FORMATTERS = new WeakMap<readonly string[], (row: Row) => string>();

function formatterOf(columns: readonly string[]): (row: Row) => string {
  let f = FORMATTERS.get(columns);
  if (f === undefined) {
    const fields = columns.map((c) => `field(row[${JSON.stringify(c)}])`).join(", ");
    f = new Function("field", `return (row) => [${fields}].join(",");`)(csvField) as (
      row: Row,
    ) => string;
    FORMATTERS.set(columns, f);
  }
  return f;
}

/** The fields of a keyed row in column order, without its line end. */
export function csvRow(row: Row, columns: readonly string[]): string {
  return formatterOf(columns)(row);
}
