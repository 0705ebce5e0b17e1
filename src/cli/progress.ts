import cliProgress from "cli-progress";

/** A progress bar with runs/s and ETA on a terminal's stderr; nothing otherwise. */
export function progressBar(quiet: boolean): {
  update: (done: number, total: number) => void;
  stop: () => void;
} {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "{bar} {value}/{total} runs | {rate} runs/s | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  let started = false;
  let first = 0;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, done, { rate: "-" });
        started = true;
        first = done;
      }
      const s = (Date.now() - t0) / 1000;
      const rate = s > 0 ? ((done - first) / s).toFixed(1) : "-";
      bar.update(done, { rate });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
