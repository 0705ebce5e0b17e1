import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkNotLocked, LOCK_FILE, lockFolder } from "../../src/io/lock.js";
import { CLI, cliHere, tempDir } from "../cli/helpers.js";

const lockInfo = (pid: number, host = hostname()) =>
  JSON.stringify({
    pid,
    host,
    started: "2026-01-01T00:00:00.000Z",
    command: "msix-sim batch",
    token: "t",
  });

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

describe("the lock of an output folder", () => {
  const sleeper = spawn("sleep", ["600"]);
  afterAll(() => sleeper.kill());

  it("refuses a folder held by a running process, naming it", () => {
    const dir = tempDir("msix-sim-lock-");
    writeFileSync(join(dir, LOCK_FILE), lockInfo(sleeper.pid!));
    const re = new RegExp(
      `in use by another msix-sim \\(pid ${sleeper.pid}, since .*remove ${join(dir, LOCK_FILE)}`,
    );
    expect(() => lockFolder(dir, "test")).toThrow(re);
    expect(() => checkNotLocked(dir)).toThrow(re);
    // One held on another host cannot be checked: it counts as held.
    writeFileSync(join(dir, LOCK_FILE), lockInfo(deadPid(), "elsewhere"));
    expect(() => lockFolder(dir, "test")).toThrow(/pid \d+ on elsewhere/);
  });

  it("takes over a lock left by a process that is gone, and releases it", () => {
    const dir = tempDir("msix-sim-lock-");
    const file = join(dir, LOCK_FILE);
    writeFileSync(file, lockInfo(deadPid()));
    const release = lockFolder(dir, "test");
    expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(process.pid);
    // The same process may lock it again (an experiment and its grid point): it nests.
    const inner = lockFolder(dir, "inner");
    inner();
    expect(existsSync(file)).toBe(true);
    release();
    expect(existsSync(file)).toBe(false);
  });

  it("of processes racing for a stale lock, exactly one gets it", async () => {
    const dir = tempDir("msix-sim-lock-");
    writeFileSync(join(dir, LOCK_FILE), lockInfo(deadPid()));
    const done = join(dir, "done");
    const lockJs = pathToFileURL(resolve(import.meta.dirname, "../../dist/io/lock.js")).href;
    // Each contender says "got" or "busy", then holds what it got until the test is done.
    const script = `
      import { existsSync } from "node:fs";
      const { lockFolder } = await import(${JSON.stringify(lockJs)});
      try { lockFolder(${JSON.stringify(dir)}, "race"); console.log("got"); }
      catch (e) { console.log(/in use/.test(e.message) ? "busy" : e.message); }
      const t = setInterval(() => { if (existsSync(${JSON.stringify(done)})) clearInterval(t); }, 20);
    `;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    const said = await Promise.all(
      children.map(
        (c) =>
          new Promise<string>((r) => c.stdout.once("data", (d: Buffer) => r(d.toString().trim()))),
      ),
    );
    writeFileSync(done, "");
    await Promise.all(children.map((c) => new Promise((r) => c.on("exit", r))));
    expect(said.sort()).toEqual(["busy", "busy", "busy", "got"]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("a second batch on the folder of a running one is refused, with --force or --resume", async () => {
    const dir = join(tempDir("msix-sim-lock-"), "out");
    const args = ["--preset", "hns3-guest-flr", "--runs", "40", "--out", dir, "--quiet"];
    const first = spawn(process.execPath, [CLI, "batch", ...args, "--workers", "2"]);
    const exited = new Promise<number | null>((r) => first.on("exit", r));
    const lock = join(dir, LOCK_FILE);
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (existsSync(join(dir, ".msix-sim-partial", "plan.json")) && existsSync(lock)) {
          clearInterval(t);
          r();
        }
      }, 10);
    });
    for (const extra of [["--force"], ["--resume"], []]) {
      const r = await cliHere(["batch", ...args, ...extra]);
      expect(r.stderr, extra.join(" ")).toMatch(
        new RegExp(`--out ${dir}: in use by another msix-sim \\(pid ${first.pid},`),
      );
      expect(r.status).toBe(2);
    }
    first.kill("SIGTERM");
    expect(await exited).toBe(130);
    // Released on the way out; the checkpoint stays for --resume.
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(join(dir, ".msix-sim-partial", "runs.jsonl"))).toBe(true);
  });
});
