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
  return `${lines.join("\n")}`;
}
