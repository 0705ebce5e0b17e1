import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countOutcomes, outcomesOf } from "../../src/analysis/outcomes.js";
import { cliHere, tempDir } from "../cli/helpers.js";

describe("run outcomes beside link failures", () => {
  it("read by column name: today's columns, or an outcome column when there is one", () => {
    const today = {
      profile: "x",
      link_failed: 0,
      rst_fail: 0,
      roce_failed: 1,
      irq_pending_end: 17,
    };
    expect(outcomesOf(today)).toEqual(["roce_failed", "setup_failed"]);
    expect(outcomesOf({ ...today, roce_failed: "0", irq_pending_end: "0" })).toEqual([]);
    expect(outcomesOf({ ...today, outcome: "setup_failed" })).toEqual(["setup_failed"]);
    expect(outcomesOf({ ...today, outcome: "ok" })).toEqual([]);
    const counts = countOutcomes(
      [
        { profile: "a", outcome: "link_failed" },
        { profile: "a", outcome: "ok" },
        { profile: "b", outcome: "incomplete" },
      ],
      ["a", "b"],
    );
    expect(counts.get("a")).toEqual({ runs: 2, counts: { link_failed: 1 } });
    expect(counts.get("b")).toEqual({ runs: 1, counts: { incomplete: 1 } });
  });

  it("compare's table shows a profile whose driver never came up, not just 0 link failures", async () => {
    const out = join(tempDir("msix-sim-outcomes-"), "b");
    const r = await cliHere([
      "batch",
      "--preset",
      "hns3-roce-load",
      "--profiles",
      "dyn,dyn-small-itt",
      "--runs",
      "1",
      "--workers",
      "1",
      "--out",
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [head, , dyn, small] = r.stdout.split("\n");
    const col = (line: string, name: string) => line.slice(head!.indexOf(name)).split(/\s{2,}/)[0];
    expect(col(head!, "RoCE failed")).toBe("RoCE failed");
    // dyn-small-itt's ITT is full: the driver never gets working vectors (-ENOSPC).
    expect(col(small!, "link failed")).toBe("0 (0.00%)");
    expect(col(small!, "setup failed")).toBe("1 (100.00%)");
    expect(col(dyn!, "setup failed")).toBe("0 (0.00%)");
    expect(col(dyn!, "RoCE failed")).toBe("0 (0.00%)");
  });
});
