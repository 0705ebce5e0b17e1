import { type ErrorCode, parseDocument, type YAMLError } from "yaml";

/** "line 3, column 1" of a character offset. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return `line ${line}, column ${column}`;
}

/** The key a duplicate-key error points at: a plain or a double-quoted scalar. */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset);
  const quoted = /^"(?:[^"\\]|\\.)*"/.exec(rest);
  if (quoted) {
    try {
      return JSON.stringify(JSON.parse(quoted[0]));
    } catch {
      return quoted[0];
    }
  }
  const plain = /^[^\s:,{}[\]]+/.exec(rest);
  return plain ? JSON.stringify(plain[0]) : "?";
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  TAG_RESOLVE_FAILED: "tags (!...) are not allowed in scenario files",
};

function describe(text: string, e: YAMLError): string {
  const where = lineColumn(text, e.pos[0]);
  if (e.code === "DUPLICATE_KEY") return `${where}: duplicate key ${keyAt(text, e.pos[0])}`;
  const mapped = MESSAGES[e.code];
  return `${where}: ${mapped === undefined ? e.message : `${mapped} (${e.message})`}`;
}

/** Duplicate keys, as "line L, column C: duplicate key "k"", or null. */
function duplicateKey(text: string): string | null {
  const doc = parseDocument(text, { uniqueKeys: true });
  const dup = doc.errors.find((e) => e.code === "DUPLICATE_KEY");
  return dup === undefined ? null : describe(text, dup);
}

/** Keys that reach an object's prototype rather than a field: never data. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** Throws if a map anywhere in `data` has a forbidden key, naming where. */
function checkKeys(data: unknown, path: string): void {
  if (data === null || typeof data !== "object") return;
  if (Array.isArray(data)) {
    for (const [i, v] of data.entries()) checkKeys(v, `${path}[${i}]`);
    return;
  }
  for (const [k, v] of Object.entries(data)) {
    const at = path === "" ? k : `${path}.${k}`;
    if (FORBIDDEN_KEYS.has(k)) throw new Error(`${at}: the key "${k}" is not allowed`);
    checkKeys(v, at);
  }
}

/**
 * JSON as JSON.parse reads it, but a duplicate key is an error naming its line (JSON.parse keeps
 * the last silently). A syntax error names its line and column too.
 */
export function parseJsonStrict(text: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /at position (\d+)/.exec(msg);
    throw new Error(pos ? `${lineColumn(text, Number(pos[1]))}: ${msg}` : msg);
  }
  // JSON is YAML: the yaml parser finds duplicate keys and where they are.
  const dup = duplicateKey(text);
  if (dup !== null) throw new Error(dup);
  checkKeys(data, "");
  return data;
}

/**
 * YAML limited to plain data: any error, a duplicate key, and any tag that is not a plain
 * scalar, list or map (!include, !!js/function, !!binary, !!set...) is an error naming its line.
 */
export function parseYamlStrict(text: string): unknown {
  const doc = parseDocument(text, {
    uniqueKeys: true,
    resolveKnownTags: false,
    prettyErrors: false,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw new Error(describe(text, problem));
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  checkKeys(data, "");
  return data;
}
