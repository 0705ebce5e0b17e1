import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHereLog, tempDir } from "./helpers.js";

describe("a batch says when it starts and ends, in one unit (runs)", () => {
  it("compare: the heading first, a start line, then the table and one count of runs", async () => {
    const out = join(tempDir("msix-sim-progress-"), "c");
    const r = await cliHereLog([
      "compare",
      "--preset",
      "single-vector-window",
      "--runs",
      "3",
      "--workers",
      "1",
      "--out",
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.log[0]).toMatch(/^out: msix-sim compare: preset single-vector-window, 3 runs/);
    expect(r.log[1]).toBe(
      `err: msix-sim batch: 3 runs (seeds 1..3) x 4 profiles, 1 worker, into ${out}\n`,
    );
    const end = r.log[r.log.length - 1]!;
    expect(end).toMatch(/^out: profile +runs/);
    // The runs/s of the last line counts what the progress bar counts: runs (seeds), not run x profile.
    expect(end).toMatch(/\(3 runs x 4 profiles; 3 runs in \d+\.\d s, \d+\.\d runs\/s\)\n$/);
  });
});
