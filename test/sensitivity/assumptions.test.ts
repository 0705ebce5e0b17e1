import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/engine/index.js";
import { DRIVERS } from "../../src/guest/drivers.js";
import { assumptionsIn } from "../../src/model/assumption.js";
import { ModelParamsSchema } from "../../src/model/params.js";
import { resolveScenario } from "../../src/scenario/load.js";
import { PRESETS } from "../../src/scenario/presets.js";
import { scaleSpec, scenarioAssumptions, valueAt } from "../../src/sensitivity/assumptions.js";

/** Every schema with assumptions: the model's parameters and each driver design's. */
const SCHEMAS = [
  {
    label: "model",
    schema: ModelParamsSchema,
    prefix: "params",
    defaults: ModelParamsSchema.parse({}),
  },
  ...DRIVERS.map((d) => ({
    label: d.name,
    schema: d.schema,
    prefix: "driver",
    defaults: d.schema.parse({ name: d.name }),
  })),
];

describe("assumption metadata", () => {
  it("marks the assumptions the brief names (vector counts, switches, latencies)", () => {
    const paths = SCHEMAS.flatMap((s) =>
      assumptionsIn(s.schema, s.prefix).map((a) => `${s.label}:${a.path}`),
    );
    for (const p of [
      "model:params.device.pbaSurvivesDisable",
      "model:params.its.commandLatency.MAPD",
      "model:params.host.cost.ioctl",
      "hns3:driver.nicVectors",
      "hns3:driver.roceVectors",
      "hns3:driver.miscCauseRefire",
      "hns3:driver.napiRearmOnLoss",
      "hns3:driver.mailboxResponse",
      "mlx5:driver.napiRearmOnLoss",
      "ice:driver.oicrCauseRefire",
      "bnxt:driver.napiRearmOnLoss",
    ]) {
      expect(paths).toContain(p);
    }
    // [src] values read in the source are not assumptions.
    expect(paths).not.toContain("hns3:driver.watchdogTimeo");
    expect(paths).not.toContain("model:params.its.timeout");
  });

  for (const s of SCHEMAS) {
    it(`${s.label}: every range is valid, holds its default, and each end is accepted by the schema`, () => {
      const found = assumptionsIn(s.schema, s.prefix);
      expect(found.length).toBeGreaterThan(0);
      for (const a of found) {
        const at = `${s.label} ${a.path}`;
        const m = a.meta;
        expect(m.why.length, at).toBeGreaterThan(10);
        const dflt = valueAt({ [s.prefix]: s.defaults }, a.path);
        const ends: unknown[] = [];
        if (m.kind === "range") {
          expect(m.low, at).toBeLessThan(m.high);
          expect(dflt as number, at).toBeGreaterThanOrEqual(m.low);
          expect(dflt as number, at).toBeLessThanOrEqual(m.high);
          ends.push(m.low, m.high);
        } else if (m.kind === "duration") {
          expect(parseDuration(m.low), at).toBeLessThan(parseDuration(m.high));
          expect(dflt as number, at).toBeGreaterThanOrEqual(parseDuration(m.low));
          expect(dflt as number, at).toBeLessThanOrEqual(parseDuration(m.high));
          ends.push(m.low, m.high);
        } else if (m.kind === "scale") {
          expect(m.low, at).toBeLessThan(m.high);
          expect(m.low, at).toBeGreaterThan(0);
          // The default is the scale 1.
          expect(m.low, at).toBeLessThanOrEqual(1);
          expect(m.high, at).toBeGreaterThanOrEqual(1);
          ends.push(scaleSpec(dflt, m.low, a.path), scaleSpec(dflt, m.high, a.path));
        } else {
          expect(m.values.length, at).toBeGreaterThan(0);
          expect(m.values, at).not.toContain(dflt);
          ends.push(...m.values);
        }
        for (const v of ends) {
          const r = a.schema.safeParse(v);
          expect(r.success, `${at} = ${JSON.stringify(v)}`).toBe(true);
        }
      }
    });
  }

  it("is reachable from every shipped preset, with --set paths that the scenario accepts", () => {
    for (const p of PRESETS) {
      const base = resolveScenario({ preset: p.name });
      const list = scenarioAssumptions(base.scenario);
      expect(list.length, p.name).toBeGreaterThan(10);
      for (const a of list) {
        expect(a.path.startsWith("params.") || a.path.startsWith("driver."), a.path).toBe(true);
        // The high end's fields exist in the resolved scenario (a wrong path would be a new field).
        for (const [path] of a.high.sets) {
          expect(valueAt(base.scenario, path), `${p.name} ${path}`).not.toBeUndefined();
        }
      }
    }
  });

  it("scales a distribution's quantiles and keeps its shape", () => {
    expect(scaleSpec({ lognormal: { median: 1000, sigma: 0.5 } }, 4, "x")).toEqual({
      lognormal: { median: 4000, sigma: 0.5 },
    });
    expect(scaleSpec({ uniform: [1000, 2000] }, 0.5, "x")).toEqual({ uniform: [500, 1000] });
    expect(scaleSpec(300, 0.25, "x")).toBe(75);
  });

  it("groups costs of one kind into one assumption by default", () => {
    const base = resolveScenario({ preset: "hns3-guest-flr" });
    const list = scenarioAssumptions(base.scenario);
    const names = list.map((a) => a.name);
    expect(names).toContain("host.cost");
    expect(names).toContain("its.commandLatency");
    expect(names).not.toContain("host.cost.ioctl");
    const host = list.find((a) => a.name === "host.cost")!;
    expect(host.members).toContain("params.host.cost.ioctl");
    expect(host.high.sets.length).toBe(host.members.length);
  });
});
