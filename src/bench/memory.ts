import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");

/** Resident memory of a process (VmRSS), bytes; 0 once it is gone. */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and its descendants (Linux /proc: every thread's children). */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const kids = readFileSync(`/proc/${out[i]}/task/${t}/children`, "utf8").trim();
        if (kids !== "") out.push(...kids.split(/\s+/).map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

/**
 * Runs `msix-sim ARGS` and samples the resident memory of its process tree (the batch and its
 * worker processes) every 50 ms: the peak of their sum is what the machine must hold.
 */
export function measureCli(args: string[]): Promise<{ seconds: number; peak_rss_mb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let peak = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      let sum = 0;
      for (const pid of tree(child.pid)) sum += rssOf(pid);
      peak = Math.max(peak, sum);
    };
    const timer = setInterval(sample, 50);
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("exit", (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`msix-sim ${args.join(" ")}: exit ${code}: ${stderr}`));
      else resolve({ seconds: (performance.now() - t0) / 1000, peak_rss_mb: peak / 2 ** 20 });
    });
  });
}
