import { describe, expect, it } from "vitest";
import { RUN_COLUMNS } from "../../src/analysis/run-row.js";
import { cli, cliHere, tempDir, writeJson } from "./helpers.js";

describe("msix-sim run", () => {
  it("prints a summary by default", () => {
    const r = cli(["run", "--preset", "single-vector-window", "--profile", "legacy"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("profile legacy, seed 1");
    expect(r.stdout).toMatch(/resize cycles\s+2/);
    expect(r.stdout).toMatch(/fingerprint\s+[0-9a-f]{16}/);
  });

  it("--json is one object with the runs.csv columns, byte-identical for a given seed", () => {
    const a = cli(["run", "--preset", "hns3-guest-flr", "--seed", "7", "--json"]);
    const b = cli(["run", "--preset", "hns3-guest-flr", "--seed", "7", "--json"]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const row = JSON.parse(a.stdout);
    expect(Object.keys(row)).toEqual([...RUN_COLUMNS]);
    expect(row.seed).toBe(7);
    for (const k of [
      "resize_cycles",
      "its_mapd",
      "its_mapti",
      "its_discard",
      "its_sync",
      "drop_window_total_ns",
      "irq_dropped",
      "link_failed",
      "fingerprint",
    ]) {
      expect(row).toHaveProperty(k);
    }
    const c = cli(["run", "--preset", "hns3-guest-flr", "--seed", "8", "--json"]);
    expect(JSON.parse(c.stdout).fingerprint).not.toBe(row.fingerprint);
  });

  it("--param and --set take effect", () => {
    const base = JSON.parse(cli(["run", "--preset", "single-vector-window", "--json"]).stdout);
    const wider = JSON.parse(
      cli(["run", "--preset", "single-vector-window", "--param", "window=200us", "--json"]).stdout,
    );
    // Vector 0's drop window in the second cycle is the MSI-X-disabled phase: exactly `window`.
    expect(base.drop_window_max_ns).toBe(50_000);
    expect(wider.drop_window_max_ns).toBe(200_000);
    const busier = JSON.parse(
      cli(["run", "--preset", "single-vector-window", "--param", "rate=200000", "--json"]).stdout,
    );
    expect(busier.irq_generated).toBeGreaterThan(base.irq_generated * 5);
    const set = JSON.parse(
      cli([
        "run",
        "--preset",
        "single-vector-window",
        "--set",
        "params.host.cost.ioctl=100us",
        "--json",
      ]).stdout,
    );
    expect(set.drop_window_max_ns).toBe(100_000);
    const dyn = JSON.parse(
      cli(["run", "--preset", "single-vector-window", "--set", "profile=dyn", "--json"]).stdout,
    );
    expect(dyn.profile).toBe("dyn");
    expect(dyn.resize_cycles).toBe(0);
  });

  it("--log of a legacy cycle shows DISCARD, MAPD V=0, MAPD V=1, MAPTI in that order", () => {
    const r = cli(["run", "--preset", "single-vector-window", "--profile", "legacy", "--log"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    // The second cycle: vector 0 is active when vector 1 is unmasked.
    const start = lines.findIndex((l) => l.includes("resize cycle start nr=1"));
    expect(start).toBeGreaterThan(0);
    const rest = lines.slice(start);
    const idx = (re: RegExp) => rest.findIndex((l) => re.test(l));
    const discard = idx(/its: DISCARD dev=0x10 event=0 .*\(its_irq_domain_deactivate\)/);
    const mapd0 = idx(/its: MAPD dev=0x10 V=0 \(its_irq_domain_free\)/);
    const mapd1 = idx(/its: MAPD dev=0x10 V=1 itt=2 \(its_create_device\)/);
    const mapti = idx(/its: MAPTI dev=0x10 event=0 lpi=\d+ col=\d+ \(its_irq_domain_activate\)/);
    expect(discard).toBeGreaterThan(0);
    expect(mapd0).toBeGreaterThan(discard);
    expect(mapd1).toBeGreaterThan(mapd0);
    expect(mapti).toBeGreaterThan(mapd1);
    expect(rest[0]).toMatch(/^\d+\.\d{6} ms qemu: resize cycle start/);
  });

  it("runs a scenario file, JSON or YAML", () => {
    const dir = tempDir();
    const scenario = {
      duration: "20ms",
      profile: "noresize",
      traffic: [{ vectors: [0, "1-2"], start: "1ms", poisson: { rate: 10000 } }],
      timeline: [
        { at: 0, action: "msix-enable", nvec: 8 },
        { at: "1ms", action: "unmask", vectors: "0-2" },
      ],
    };
    const json = cli(["run", "--scenario", writeJson(dir, "s.json", scenario), "--json"]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).resize_cycles).toBe(3);
    const yaml = `duration: 20ms\nprofile: noresize\ntraffic:\n  - vectors: [0, "1-2"]\n    start: 1ms\n    poisson: { rate: 10000 }\ntimeline:\n  - { at: 0, action: msix-enable, nvec: 8 }\n  - { at: 1ms, action: unmask, vectors: "0-2" }\n`;
    const y = cli(["run", "--scenario", writeJson(dir, "s.yaml", yaml), "--json"]);
    expect(y.status).toBe(0);
    expect(y.stdout).toBe(json.stdout);
  });

  it("presets and schema", () => {
    const p = cli(["presets"]);
    expect(p.status).toBe(0);
    for (const name of [
      "hns3-roce-load",
      "hns3-qemu-reset",
      "hns3-guest-flr",
      "hns3-thread-test",
      "single-vector-window",
      "ice-irdma-load",
    ]) {
      expect(p.stdout).toContain(name);
    }
    // each driver design with the source functions it follows
    expect(p.stdout).toContain("Driver designs");
    expect(p.stdout).toContain("ice_req_irq_msix_misc");
    expect(p.stdout).toContain("--param tx_pps=1000");
    const s = cli(["schema"]);
    expect(s.status).toBe(0);
    const schema = JSON.parse(s.stdout);
    expect(schema.type).toBe("object");
    expect(schema.properties.traffic).toBeDefined();
    expect(schema.required).toContain("duration");
  });
});

describe("bad input: a message naming the field, exit code 2, no output", () => {
  const dir = tempDir();
  const base = { duration: "10ms", timeline: [{ at: 0, action: "msix-enable" }] };
  const cases: Array<[string, unknown, RegExp]> = [
    [
      "negative rate",
      { ...base, traffic: [{ vectors: 0, poisson: { rate: -5 } }] },
      /traffic\[0\]\.poisson\.rate: must be > 0/,
    ],
    [
      "zero rate",
      { ...base, traffic: [{ vectors: 0, poisson: { rate: 0 } }] },
      /traffic\[0\]\.poisson\.rate: must be > 0/,
    ],
    ["missing duration", { timeline: [] }, /duration:/],
    [
      "bad duration",
      { ...base, duration: "10 minutes" },
      /duration: duration "10 minutes" is not understood/,
    ],
    ["unknown field", { ...base, colour: "red" }, /\(root\): unknown field colour/],
    ["unknown profile", { ...base, profile: "fast" }, /profile:/],
    [
      "unknown action",
      { ...base, timeline: [{ at: 0, action: "explode" }] },
      /timeline\[0\]\.action:/,
    ],
    [
      "unmask without vectors",
      { ...base, timeline: [{ at: 0, action: "unmask" }] },
      /timeline\[0\]\.vectors: required for unmask/,
    ],
    [
      "vector beyond table",
      { ...base, timeline: [{ at: 0, action: "unmask", vectors: 5000 }] },
      /timeline\[0\]\.vectors: vector 5000 is beyond the MSI-X table \(size 64\)/,
    ],
    [
      "traffic vector beyond table",
      { ...base, traffic: [{ vectors: "60-70", poisson: { rate: 5 } }] },
      /traffic\[0\]\.vectors: vector 64 is beyond the MSI-X table/,
    ],
    [
      "unknown vector group",
      { ...base, traffic: [{ vectors: "gpu", poisson: { rate: 5 } }] },
      /traffic\[0\]\.vectors: unknown vector group "gpu"/,
    ],
    [
      "bad distribution",
      { ...base, params: { host: { cost: { ioctl: { uniform: ["3us", "1us"] } } } } },
      /params\.host\.cost\.ioctl\.uniform: min \(3 us\) is greater than max \(1 us\)/,
    ],
    [
      "unknown distribution",
      { ...base, params: { host: { cost: { ioctl: { gamma: 2 } } } } },
      /params\.host\.cost\.ioctl/,
    ],
    [
      "table too small",
      { ...base, params: { device: { tableSize: 16 } } },
      /params\.device\.tableSize: 16 is smaller than the hns3 driver's 49 vectors/,
    ],
    [
      "two traffic kinds",
      { ...base, traffic: [{ vectors: 0, poisson: { rate: 5 }, periodic: { period: "1ms" } }] },
      /traffic\[0\]: give exactly one of poisson, periodic, onoff/,
    ],
    ["not JSON", "{ duration: ", /not valid JSON/],
  ];
  for (const [name, scenario, re] of cases) {
    it(name, async () => {
      const file = writeJson(dir, `${name.replaceAll(" ", "-")}.json`, scenario);
      const r = await cliHere(["run", "--scenario", file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stdout).toBe("");
    });
  }

  const argCases: Array<[string[], RegExp]> = [
    [["run", "--preset", "nope"], /--preset: unknown preset "nope"/],
    [["run", "--profile", "fast"], /--profile: unknown profile "fast"/],
    [["run", "--seed", "-3"], /--seed: must be a whole number/],
    [["run", "--param", "tx_pps=-1"], /--param tx_pps: must be >= 0/],
    [["run", "--param", "bogus=1"], /--param bogus: preset hns3-roce-load has no such parameter/],
    [["run", "--param", "duration=soon"], /--param duration: duration "soon" is not understood/],
    [["run", "--set", "traffic[0].poisson.rate=-2"], /traffic\[0\]\.poisson\.rate: must be > 0/],
    [
      ["run", "--scenario", "/nonexistent/x.json"],
      /--scenario: cannot read \/nonexistent\/x\.json/,
    ],
  ];
  for (const [args, re] of argCases) {
    it(args.join(" "), async () => {
      const r = await cliHere(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stdout).toBe("");
    });
  }
});
