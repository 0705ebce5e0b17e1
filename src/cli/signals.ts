import { EXIT_INTERRUPTED } from "./errors.js";

/**
 * Runs `body` with Ctrl-C and SIGTERM turned into a flag it polls (completed work is kept; runs
 * in flight are abandoned). A second signal stops at once.
 */
export async function interruptible<T>(
  body: (abort: { aborted: boolean }) => Promise<T>,
): Promise<T> {
  const abort = { aborted: false };
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.aborted) {
      process.stderr.write(`msix-sim: ${signal} again: stopping now\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    abort.aborted = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body(abort);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * Runs `body` so that Ctrl-C or SIGTERM ends the process at once with exit code 130; files being
 * written are left as temporary files, which the exit hook of io/files.ts removes. For commands
 * with nothing to checkpoint (merge, plot, writing a trace). A synchronous body only sees the
 * signal when it returns, so long simulations are not run inside it.
 */
export async function exitOnSignal<T>(body: () => Promise<T> | T): Promise<T> {
  const onSignal = () => {
    process.exit(EXIT_INTERRUPTED);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

let armed = false;

/**
 * From now on Ctrl-C or SIGTERM ends the process with exit code 130 (temporary files are
 * removed by their exit hook). `run` calls it once its simulation is over, before it writes:
 * during the simulation the default action already stops the process at once.
 */
export function exitOnSignalFromNowOn(): void {
  if (armed) return;
  armed = true;
  const onSignal = () => process.exit(EXIT_INTERRUPTED);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
