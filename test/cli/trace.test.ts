import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

describe("msix-sim run --trace", () => {
  it("writes Trace Event JSON with the required fields and ordered tracks", () => {
    const dir = tempDir();
    const file = join(dir, "run.json");
    const r = cli([
      "run",
      "--preset",
      "single-vector-window",
      "--profile",
      "legacy",
      "--trace",
      file,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("msix-sim run:"); // the summary is still printed
    const trace = JSON.parse(readFileSync(file, "utf8"));
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    const events = trace.traceEvents as Array<Record<string, unknown>>;
    for (const e of events) {
      expect(typeof e.name).toBe("string");
      expect(["X", "i", "M"]).toContain(e.ph);
      expect(typeof e.ts).toBe("number");
      expect(Number.isInteger(e.pid)).toBe(true);
      expect(Number.isInteger(e.tid)).toBe(true);
      if (e.ph === "X") expect(e.dur as number).toBeGreaterThanOrEqual(0);
      if (e.ph === "i") expect(e.s).toBe("t");
    }
    const last = new Map<string, number>();
    for (const e of events.filter((x) => x.ph !== "M")) {
      const key = `${e.pid}/${e.tid}`;
      expect(e.ts as number).toBeGreaterThanOrEqual(last.get(key) ?? Number.NEGATIVE_INFINITY);
      last.set(key, e.ts as number);
    }
    const names = (re: RegExp) => events.filter((e) => re.test(String(e.name)));
    expect(names(/^drop window: msix-disabled$/).length).toBeGreaterThan(0);
    expect(names(/^delivered$/).length).toBeGreaterThan(0);
    expect(names(/^dropped: msix-disabled$/).length).toBeGreaterThan(0);
    expect(names(/^MAPTI$/).length).toBeGreaterThan(0);
    expect(names(/^SET_IRQS /).length).toBeGreaterThan(0);
    expect(names(/^resize cycle/).length).toBe(2);
    expect(names(/^MSI-X disabled$/).length).toBeGreaterThan(0);
    const threadNames = events
      .filter((e) => e.name === "thread_name")
      .map((e) => (e.args as { name: string }).name);
    expect(threadNames).toEqual(
      expect.arrayContaining(["vector 0", "MSI-X state", "command queue", "vfio ioctls"]),
    );
    // Drop windows sit on their vector's track.
    for (const w of names(/^drop window/)) expect(w.pid).toBe(1);
  });

  it("an unwritable trace path is a clear error and leaves no file", () => {
    const r = cli([
      "run",
      "--preset",
      "single-vector-window",
      "--trace",
      "/nonexistent-dir/run.json",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--trace: cannot write \/nonexistent-dir\/run\.json/);
    expect(existsSync("/nonexistent-dir/run.json")).toBe(false);
  });
});
