import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cliHere, tempDir } from "./helpers.js";

const ROOT = join(import.meta.dirname, "../..");

/** Every bad output path is refused before any work: exit 2, a message, nothing written. */
describe("bad output paths", () => {
  const dir = tempDir("msix-sim-paths-");
  const file = join(dir, "a-file");
  writeFileSync(file, "keep me\n");
  const experiment = join(dir, "x.json");
  writeFileSync(
    experiment,
    JSON.stringify({ name: "x", preset: "single-vector-window", profiles: ["dyn"], runs: 1 }),
  );
  const batchArgs = ["--preset", "single-vector-window", "--runs", "1", "--quiet"];
  // Valid inputs, so that the output path is what fails (merge: see the shard tests).
  const commands: Array<[string, (out: string) => string[]]> = [
    ["batch", (out) => ["batch", ...batchArgs, "--out", out]],
    ["plot", (out) => ["plot", join(ROOT, "results", "analytic-check"), "--out", out]],
    ["experiment", (out) => ["experiment", experiment, "--out", out, "--quiet"]],
    ["merge", (out) => ["merge", dir, "--out", out]],
  ];
  const outs: Array<[string, RegExp]> = [
    ["/proc/msix-sim-x", /--out \/proc\/msix-sim-x: cannot create \/proc\/msix-sim-x: ENOENT/],
    [file, /--out .*a-file: is a file, not a folder/],
    [join(file, "sub"), /--out .*a-file\/sub: .*a-file is a file, not a folder/],
    ["/dev/null", /--out \/dev\/null: is a device, not a folder/],
    ["", /--out: must not be empty/],
  ];
  for (const [name, args] of commands) {
    for (const [out, re] of outs) {
      if (name === "merge" && out.startsWith("/proc")) continue;
      it(`${name} --out '${out.replace(dir, "DIR")}'`, async () => {
        const before = readdirSync(dir).sort();
        const r = await cliHere(args(out));
        expect(r.stderr).toMatch(re);
        expect(r.stderr).not.toContain("internal error");
        expect(r.status).toBe(2);
        expect(readdirSync(dir).sort()).toEqual(before);
        expect(readFileSync(file, "utf8")).toBe("keep me\n");
      });
    }
  }

  const traces: Array<[string, RegExp]> = [
    [dir, /--trace: cannot write .*: it is a folder; give a file name/],
    ["/dev/null", /--trace: cannot write \/dev\/null: it is a device, not a regular file/],
    ["", /--trace: must not be empty/],
    [join(file, "t.json"), /--trace: cannot write .*a-file\/t\.json: ENOTDIR/],
    [
      "/proc/msix-sim-x/t.json",
      /--trace: cannot write .*: folder \/proc\/msix-sim-x does not exist/,
    ],
  ];
  for (const [path, re] of traces) {
    it(`run --trace '${path.replace(dir, "DIR")}'`, async () => {
      const before = readdirSync(dir).sort();
      const r = await cliHere(["run", "--preset", "single-vector-window", "--trace", path]);
      expect(r.stderr).toMatch(re);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      // No temporary file beside the folder or inside it.
      expect(readdirSync(dir).sort()).toEqual(before);
    });
  }
});

describe("a write that fails half-way (file size limit)", () => {
  it("run --trace: exit 2 naming the file and the reason, no temporary or torn file", () => {
    const dir = tempDir("msix-sim-efbig-");
    const trace = join(dir, "t.json");
    const r = spawnSync(
      "sh",
      [
        "-c",
        `ulimit -f 10; exec "${process.execPath}" "${CLI}" run --preset single-vector-window --trace "${trace}"`,
      ],
      { encoding: "utf8" },
    );
    expect(r.stderr).toMatch(/--trace: cannot write .*t\.json: EFBIG \(file too large\)/);
    expect(r.stderr).not.toContain("internal error");
    expect(r.status).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });
});
