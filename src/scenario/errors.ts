import type { z } from "zod";
import { parseDistribution } from "../engine/index.js";
import { InputError } from "../io/errors.js";

export { InputError };

/** traffic[2].poisson.rate */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else out += out === "" ? String(k) : `.${String(k)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k as string];
  }
  return v;
}

const DISTRIBUTION_FORMS = new Set([
  "fixed",
  "uniform",
  "exponential",
  "normal",
  "lognormal",
  "empirical",
]);

type Issue = z.core.$ZodIssue;

/**
 * The most telling issue of a failed union: the branch that got furthest (deepest path, and not
 * a plain type mismatch), searched recursively.
 */
function bestOfUnion(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: Issue | null = null;
  let bestScore = -1;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const resolved = bestOfUnion({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
      const score = resolved.path.length * 2 + (resolved.code === "invalid_type" ? 0 : 1);
      if (score > bestScore) {
        best = resolved;
        bestScore = score;
      }
    }
  }
  return best ?? issue;
}

/**
 * One line per problem, each naming its field. A malformed distribution is re-checked with the
 * distribution parser, whose message names the form and what is wrong with it.
 */
export function describeZodError(err: z.ZodError, input: unknown, prefix = ""): string {
  const lines: string[] = [];
  const name = (path: readonly PropertyKey[]): string => {
    const where = formatPath(path);
    return prefix && where ? `${prefix}.${where}` : prefix || where || "(root)";
  };
  for (const raw of err.issues) {
    if (raw.code === "invalid_union") {
      const v = valueAt(input, raw.path);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const keys = Object.keys(v);
        if (keys.length >= 1 && keys.some((k) => DISTRIBUTION_FORMS.has(k))) {
          try {
            parseDistribution(v, name(raw.path));
          } catch (e) {
            lines.push((e as Error).message);
            continue;
          }
        }
      }
    }
    const issue = bestOfUnion(raw);
    if (issue.code === "unrecognized_keys") {
      lines.push(
        `${name(issue.path)}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`,
      );
      continue;
    }
    lines.push(`${name(issue.path)}: ${issue.message.replace(/^Invalid input: /, "")}`);
  }
  return [...new Set(lines)].join("\n");
}

export function parseWith<T extends z.ZodType>(
  schema: T,
  input: unknown,
  prefix = "",
): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new InputError(describeZodError(r.error, input, prefix));
  return r.data;
}
