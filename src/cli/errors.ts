import { ZodError } from "zod";
import { InputError } from "../scenario/errors.js";

/** Exit code for bad input or arguments (commander uses 1 for its own usage errors). */
export const EXIT_INPUT = 2;

/** Prints an input error the way users should see it: the field, the problem; no stack. */
export function reportAndExit(e: unknown): never {
  if (e instanceof InputError || e instanceof ZodError) {
    process.stderr.write(`msix-sim: ${e.message}\n`);
    process.exit(EXIT_INPUT);
  }
  const err = e as Error;
  process.stderr.write(`msix-sim: internal error: ${err.stack ?? err.message}\n`);
  process.exit(1);
}
