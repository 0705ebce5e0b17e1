import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJsonStrict, parseYamlStrict } from "../../src/io/data-file.js";
import { cliHere, tempDir } from "../cli/helpers.js";

describe("scenario and experiment files hold plain data", () => {
  const dir = tempDir("msix-sim-input-");
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: Array<[string, string, string, RegExp]> = [
    [
      "YAML tag !!js/function",
      "s.yaml",
      'duration: 10ms\nname: !!js/function "function () {}"\n',
      /--scenario .*s\.yaml: not valid YAML: line 2, column 7: tags \(!\.\.\.\) are not allowed .*js\/function/,
    ],
    [
      "YAML tag !include",
      "i.yaml",
      "duration: 10ms\nparams: !include other.yaml\n",
      /i\.yaml: not valid YAML: line 2, column 9: tags .*\(Unresolved tag: !include\)/,
    ],
    [
      "YAML duplicate key",
      "d.yaml",
      "duration: 10ms\nprofile: dyn\nprofile: legacy\n",
      /d\.yaml: not valid YAML: line 3, column 1: duplicate key "profile"/,
    ],
    [
      "JSON duplicate key",
      "d.json",
      '{\n  "duration": "10ms",\n  "params": { "device": { "tableSize": 64, "tableSize": 128 } }\n}\n',
      /d\.json: not valid JSON: line 3, column 44: duplicate key "tableSize"/,
    ],
    [
      "JSON syntax error",
      "x.json",
      '{\n  "duration": "10ms",,\n}\n',
      /x\.json: not valid JSON: line 2, column 22: /,
    ],
    [
      "__proto__ key",
      "p.json",
      '{"duration": "10ms", "params": {"__proto__": {"x": 1}}}',
      /p\.json: not valid JSON: params\.__proto__: the key "__proto__" is not allowed/,
    ],
  ];
  for (const [name, f, text, re] of cases) {
    it(name, async () => {
      const r = await cliHere(["run", "--scenario", file(f, text)]);
      expect(r.stderr).toMatch(re);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
    });
  }

  it("an experiment file with a duplicate key", async () => {
    const p = file("e.json", '{"name": "e", "runs": 5, "runs": 50, "preset": "hns3-roce-load"}');
    const r = await cliHere(["experiment", p, "--out", join(dir, "e")]);
    expect(r.stderr).toMatch(/experiment .*e\.json: line 1, column 26: duplicate key "runs"/);
    expect(r.status).toBe(2);
  });

  it("plain YAML and JSON still parse, anchors included", () => {
    expect(parseYamlStrict("a: &x [1, 2]\nb: *x\nc: !!str 5\n")).toEqual({
      a: [1, 2],
      b: [1, 2],
      c: "5",
    });
    expect(parseJsonStrict('{"a": {"b": [1, {"c": null}]}, "d": "\\u0062"}')).toEqual({
      a: { b: [1, { c: null }] },
      d: "b",
    });
  });
});

describe("--set paths through the prototype are refused by name", () => {
  const cases: Array<[string, RegExp]> = [
    ["__proto__=1", /--set __proto__: "__proto__" is not a scenario field/],
    ["__proto__.x=1", /--set __proto__\.x: "__proto__" is not a scenario field/],
    ["params.constructor.prototype.x=1", /--set params\.constructor\.prototype\.x: "constructor"/],
    [
      "traffic[0].prototype=1",
      /--set traffic\[0\]\.prototype: "prototype" is not a scenario field/,
    ],
    ["toString.x=1", /^msix-sim: \(root\): unknown field toString\n$/],
    [".=1", /--set \.=1: expected path=value/],
  ];
  for (const [set, re] of cases) {
    it(set, async () => {
      const r = await cliHere(["run", "--preset", "single-vector-window", "--set", set]);
      expect(r.stderr).toMatch(re);
      expect(r.status).toBe(2);
      expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
    });
  }
});
