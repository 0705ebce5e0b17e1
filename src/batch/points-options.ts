/**
 * What every command that runs a set of parameter points as batches takes (fit, sensitivity):
 * where the points go, how they run, and how they are stopped and reported.
 */
export interface PointsCommandOptions {
  /** Runs per point; run r has seed S + r at every point (common random numbers). */
  runs: number;
  workers: number;
  /** Base seed; by default the scenario's own. */
  seed?: number;
  out: string;
  resume: boolean;
  force: boolean;
  commandLine: readonly string[];
  /** Set (SIGINT, SIGTERM) to stop; finished points are kept for --resume. */
  abort?: { aborted: boolean };
  /** A line for the user (stderr): the estimate, each point as it starts or ends. */
  say?: (text: string) => void;
  progress?: (done: number, total: number) => void;
}
