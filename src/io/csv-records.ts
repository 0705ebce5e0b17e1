import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { InputError } from "./errors.js";
import { errnoText } from "./files.js";

export interface CsvRecord {
  /** Values by column name, as written. */
  record: Record<string, string>;
  /** The record's text as it is in the file, with its line end. */
  raw: string;
  /** Its line number in the file (the header is line 1). */
  line: number;
}

/**
 * The records of a CSV file, streamed (a batch's runs.csv may hold millions of rows): the
 * header is checked by `header`, which returns an error message or null. Unreadable or
 * malformed files are input errors naming the file (and the line).
 */
export async function* csvRecords(
  path: string,
  header: (columns: string[]) => string | null = () => null,
): AsyncGenerator<CsvRecord> {
  const input = createReadStream(path);
  let bad: string | null = null;
  const parser = input.pipe(
    parse({
      columns: (cols: string[]) => {
        bad = header(cols);
        if (bad !== null) throw new Error(bad);
        return cols;
      },
      raw: true,
      info: true,
    }),
  );
  input.on("error", (e) => parser.destroy(e));
  try {
    for await (const r of parser as AsyncIterable<{
      record: Record<string, string>;
      raw: string;
      info: { lines: number };
    }>) {
      yield { record: r.record, raw: r.raw, line: r.info.lines };
    }
  } catch (e) {
    if (bad !== null) throw new InputError(`${path}: ${bad}`);
    // csv-parse's own errors have CSV_ codes; any other code is the file system's.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && !code.startsWith("CSV_")) {
      throw new InputError(`${path}: cannot read (${errnoText(e)})`);
    }
    throw new InputError(`${path}: malformed CSV: ${(e as Error).message}`);
  } finally {
    input.destroy();
  }
}
