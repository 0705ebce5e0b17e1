#!/usr/bin/env node
import { applyRunHeapFlags } from "../batch/heap-flags.js";
import { closePool } from "../batch/pool.js";
import { runCli } from "./program.js";

// Before any run: a batch with one worker runs in this process (batch/heap-flags.ts says why).
applyRunHeapFlags();

// A closed pipe (msix-sim run --log | head) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// The batch workers kept warm for a next batch: none is coming.
await closePool();
// The command is done: nothing it started may keep the process alive (a leaked timer or
// worker would make a batch stopped by its scheduler wait for its time limit).
setTimeout(() => process.exit(code), 1000).unref();
