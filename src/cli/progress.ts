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
      format: "{bar} {value}/{total} runs | {rate} runs/s | ETA {eta}",
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
        bar.start(total, done, { rate: "-", eta: "-" });
        started = true;
        first = done;
      }
      const s = (Date.now() - t0) / 1000;
      const r = s > 0 ? (done - first) / s : 0;
      // Until a run has finished there is no rate to tell the time left from ("NFs" otherwise).
      const eta = r > 0 ? etaText((total - done) / r) : "-";
      bar.update(done, { rate: r > 0 ? r.toFixed(1) : "-", eta });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** "42s", "7m05s", "2h03m". */
function etaText(seconds: number): string {
  const t = Math.round(seconds);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m`;
}
