import { DRIVERS } from "../guest/drivers.js";
import { PRESETS } from "../scenario/presets.js";

export function presetsText(): string {
  const lines: string[] = [];
  for (const p of PRESETS) {
    lines.push(`${p.name}`, `  ${p.description}`);
    for (const x of p.params) {
      const choices = x.choices ? ` (${x.choices.join("|")})` : "";
      lines.push(`    --param ${x.name}=${x.default}${choices}  ${x.description}`);
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
