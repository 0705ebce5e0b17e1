import { describe, expect, it } from "vitest";
import { cli, cliHere } from "./helpers.js";

describe("usage errors exit 2, like every input error", () => {
  it("no command, through the built CLI", () => {
    const r = cli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Usage: msix-sim");
  });

  it("conflicting flags: run --json --log, through the built CLI", () => {
    const r = cli(["run", "--preset", "single-vector-window", "--json", "--log"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/option '--json' cannot be used with option '--log \[categories\]'/);
    expect(r.stdout).toBe("");
  });

  const cases: Array<[string[], RegExp]> = [
    [["run", "--bogus"], /unknown option '--bogus'/],
    [["batch", "--runs"], /option '--runs <n>' argument missing/],
    [["merge"], /missing required argument 'dirs'/],
    [["experiment"], /missing required argument 'file'/],
    [["plot"], /missing required argument 'dir'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["run", "extra"], /too many arguments/],
  ];
  for (const [args, re] of cases) {
    it(args.join(" ") || "(nothing)", async () => {
      const r = await cliHere(args);
      expect(r.stderr).toMatch(re);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
    });
  }

  it("help and version are not errors", async () => {
    for (const args of [["--help"], ["run", "--help"], ["--version"], ["help"]]) {
      const r = await cliHere(args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).not.toBe("");
    }
  });
});
