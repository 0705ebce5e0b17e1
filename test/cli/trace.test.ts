import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, cliHere, tempDir } from "./helpers.js";

describe("msix-sim run --trace", () => {
  it("writes Trace Event JSON with the required fields and ordered tracks", async () => {
    const dir = tempDir();
    const file = join(dir, "run.json");
    const r = await cliHere([
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
    expect(r.stderr).toMatch(
      /^wrote .*run\.json \(\d+ trace events; open it in ui\.perfetto\.dev\)\n$/,
    );
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
    // The timeline runs to the run's end (13 ms), not to its last event.
    expect(Math.max(...events.map((e) => e.ts as number))).toBe(13_000);
    expect(names(/^end of run$/)).toHaveLength(1);
  });

  it("the driver's verdict is an event at the end of the run, in the trace and the log", async () => {
    const dir = tempDir();
    const file = join(dir, "small-itt.json");
    // dyn-small-itt's ITT is full: the RoCE vectors cannot be set up at the host.
    const args = ["run", "--preset", "hns3-roce-load", "--profile", "dyn-small-itt"];
    const r = await cliHere([...args, "--trace", file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\noutcome\s+setup_failed: \d+ vector\(s\) could not be set up/);
    const events = JSON.parse(readFileSync(file, "utf8")).traceEvents as Array<
      Record<string, unknown>
    >;
    const verdict = events.filter((e) => String(e.name).startsWith("verdict"));
    expect(verdict).toEqual([
      expect.objectContaining({ name: "verdict: setup failed", ts: 30_000_000, cname: "terrible" }),
    ]);
    const log = await cliHere([...args, "--log"]);
    expect(log.stdout.trimEnd().split("\n").pop()).toMatch(
      /^30000\.000000 ms hns3: verdict: setup failed reason="\d+ vector\(s\) could not be set up at the host" link_up=/,
    );
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
