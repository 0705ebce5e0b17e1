import { describe, expect, it } from "vitest";
import { MemoryTrace } from "../../src/engine/index.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/runner.js";
import { cliHere } from "./helpers.js";

const RUN = ["run", "--preset", "single-vector-window", "--profile", "legacy"];

describe("--log with categories", () => {
  it("--log=irq,host: every interrupt raised, delivered and dropped (vector, cause), in time order", async () => {
    const r = await cliHere([...RUN, "--log=irq,host"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.some((l) => /^\d+\.\d{6} ms irq: raised vector=0$/.test(l))).toBe(true);
    expect(lines.some((l) => /ms irq: delivered vector=0 latency_ns=\d+$/.test(l))).toBe(true);
    const drop = lines.findIndex((l) =>
      /ms irq: DROPPED vector=0 cause=msix-disabled raised_ns=\d+$/.test(l),
    );
    expect(drop).toBeGreaterThan(0);
    // The drop is explained by the host's teardown just before it.
    expect(lines.slice(0, drop).some((l) => l.includes("host: vfio_msi_disable"))).toBe(true);
    expect(lines.every((l) => / ms (irq|host|hns3): /.test(l))).toBe(true);
    const times = lines.map((l) => Number(l.split(" ")[0]));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(lines[lines.length - 1]).toMatch(/hns3: verdict: ok/);
  });

  it("plain --log stays the control plane; an unknown category is refused", async () => {
    const r = await cliHere([...RUN, "--log"]);
    expect(r.stdout).toContain("its: MAPTI");
    expect(r.stdout).not.toContain(" irq: ");
    const bad = await cliHere([...RUN, "--log=its,gpu"]);
    expect(bad.stderr).toMatch(
      /--log: unknown category "gpu" \(known: its, host, qemu, guest, irq, all\)/,
    );
    expect(bad.status).toBe(2);
  });

  it("interrupt records change nothing in the run, and a sink that does not ask gets none", () => {
    const prep = resolveScenario({ preset: "single-vector-window" }).prep;
    const plain = runScenario(prep, { trace: null });
    const control = new MemoryTrace();
    const withControl = runScenario(prep, { trace: control });
    const irqs = Object.assign(new MemoryTrace(), { irqs: true as const });
    const withIrqs = runScenario(prep, { trace: irqs });
    expect(withControl.record.fingerprint).toBe(plain.record.fingerprint);
    expect(withIrqs.record.fingerprint).toBe(plain.record.fingerprint);
    expect(control.records.some((x) => x.component === "irq")).toBe(false);
    expect(irqs.records.filter((x) => x.kind === "raised").length).toBe(plain.record.irq.generated);
    expect(irqs.records.filter((x) => x.kind === "DROPPED").length).toBe(plain.record.irq.dropped);
  });
});
