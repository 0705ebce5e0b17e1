/** An input problem: names the field and what is wrong; the CLI prints it and exits 2. */
export class InputError extends Error {
  override readonly name = "InputError";
}
