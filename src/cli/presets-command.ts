import { DRIVERS, driverByName } from "../guest/drivers.js";
import { PRESETS, presetValues } from "../scenario/presets.js";
import { ScenarioSchema } from "../scenario/schema.js";

export function presetsText(): string {
  const lines: string[] = [];
  for (const p of PRESETS) {
    lines.push(`${p.name}`, `  ${p.description}`);
    for (const x of p.params) {
      const choices = x.choices ? ` (${x.choices.join("|")})` : "";
      lines.push(`    --param ${x.name}=${x.default}${choices}  ${x.description}`);
    }
    // The driver design the preset runs by default (its source facts are listed below).
    const input = p.build(presetValues(p, []));
    if (input.driver !== undefined) {
      const d = driverByName(ScenarioSchema.parse(input).driver.name);
      lines.push(`  driver: ${d.name} (${d.summary})`);
    }
    lines.push("");
  }
  // The driver designs a scenario can name (driver.name) and the source facts each follows.
  lines.push("Driver designs (driver.name):", "");
  for (const d of DRIVERS) {
    lines.push(`${d.name}`, `  ${d.summary}`, `  actions: ${d.actions.join(", ")}`);
    for (const s of d.sources) lines.push(`    - ${s}`);
    lines.push("");
  }
  return `${lines.join("\n")}`;
}
