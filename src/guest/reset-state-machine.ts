import type { Cpu, Step } from "../model/cpu.js";

/** One reset attempt's steps, supplied by the driver (hclge_reset, hclgevf_reset). */
export interface ResetSteps {
  /** Clients down and the reset asserted (…_reset_prepare): 0 or an error. */
  prepare(): Step<number>;
  /** The hardware reports the reset done (…_reset_wait): 0 or an error. */
  wait(): Step<number>;
  /** Clients re-initialised and up (…_reset_rebuild), knowing reset_fail_cnt: 0 or an error. */
  rebuild(failCnt: number): Step<number>;
}

/**
 * A reset with its failure handling, as hclge_reset and hclgevf_reset run it: prepare, wait,
 * rebuild; a failed attempt goes to hclge_reset_err_handle / hclgevf_reset_err_handle, which
 * reschedules it at once (no back-off) while reset_fail_cnt < HCLGE_RESET_MAX_FAIL_CNT and
 * otherwise sets HCLGE_STATE_RST_FAIL: 1 + maxFailCnt attempts in all. A successful rebuild
 * clears reset_fail_cnt and RST_FAIL. RST_FAIL stops the periodic service task (`onRstFail`).
 */
export class ResetStateMachine {
  /** reset_fail_cnt. */
  failCnt = 0;
  /** HCLGE_STATE_RST_FAIL. */
  rstFail = false;
  /** Attempts run (retries included). */
  attempts = 0;
  /** Resets run to their end (successful or not). */
  completed = 0;
  /** A reset is being run. */
  running = false;

  constructor(
    private readonly maxFailCnt: number,
    private readonly cpu: Cpu,
    private readonly onRstFail: () => void,
  ) {}

  /** Runs one reset with its retries; true when a rebuild succeeded. */
  *run(steps: ResetSteps, type: string): Step<boolean> {
    this.running = true;
    try {
      for (;;) {
        this.attempts++;
        if (this.cpu.on)
          this.cpu.log("reset", { type, attempt: this.attempts, reset_fail_cnt: this.failCnt });
        let r: number = yield steps.prepare();
        if (r === 0) r = yield steps.wait();
        if (r === 0) r = yield steps.rebuild(this.failCnt);
        if (r === 0) {
          this.failCnt = 0;
          this.rstFail = false;
          return true;
        }
        if (this.failCnt < this.maxFailCnt) {
          this.failCnt++;
          if (this.cpu.on)
            this.cpu.log("re-schedule reset task", { reset_fail_cnt: this.failCnt, err: r });
          continue;
        }
        this.rstFail = true;
        if (this.cpu.on)
          this.cpu.log("Reset fail! HCLGE_STATE_RST_FAIL", { attempts: this.attempts });
        this.onRstFail();
        return false;
      }
    } finally {
      this.running = false;
      this.completed++;
    }
  }
}
