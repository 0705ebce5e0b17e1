/**
 * The names of the scenario's axes, shared by experiment grids and `fit --vary`: "set:PATH" is a
 * scenario field (applied like --set PATH=value), "preset" picks the preset, and any other name
 * is a preset --param.
 */

export type AxisValue = string | number | boolean;

export const SET_PREFIX = "set:";

export type AxisTarget =
  | { kind: "preset" }
  | { kind: "set"; path: string }
  | { kind: "param"; name: string };

export function axisTarget(name: string): AxisTarget {
  if (name === "preset") return { kind: "preset" };
  if (name.startsWith(SET_PREFIX)) return { kind: "set", path: name.slice(SET_PREFIX.length) };
  return { kind: "param", name };
}

/** A scenario's knobs before they become a ScenarioSource: a preset, its --param values, --set assignments. */
export interface AxisBase {
  preset: string | undefined;
  params: Record<string, AxisValue>;
  sets: string[];
}

/** `base` with every axis of `values` applied (later axes win, as later --param/--set do). */
export function withAxisValues(base: AxisBase, values: Record<string, AxisValue>): AxisBase {
  const params = { ...base.params };
  const sets = [...base.sets];
  let preset = base.preset;
  for (const [k, v] of Object.entries(values)) {
    const t = axisTarget(k);
    if (t.kind === "preset") preset = String(v);
    else if (t.kind === "set") sets.push(`${t.path}=${JSON.stringify(v)}`);
    else params[t.name] = v;
  }
  return { preset, params, sets };
}

/** The --param strings of an AxisBase. */
export function paramAssignments(params: Record<string, AxisValue>): string[] {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`);
}
