import { z } from "zod";
import { BnxtDriverSchema, bnxtDescription } from "./bnxt/description.js";
import type { DriverDescription } from "./driver.js";
import { Hns3DriverSchema, hns3Description } from "./hns3/description.js";
import { IceDriverSchema, iceDescription } from "./ice/description.js";
import { Mlx5DriverSchema, mlx5Description } from "./mlx5/description.js";

/** Every driver design a scenario can name in `driver.name`. */
export const DRIVERS: readonly DriverDescription[] = [
  hns3Description as unknown as DriverDescription,
  mlx5Description as unknown as DriverDescription,
  iceDescription as unknown as DriverDescription,
  bnxtDescription as unknown as DriverDescription,
];

export const DRIVER_NAMES = DRIVERS.map((d) => d.name);

/** `driver` in a scenario: one design's parameters, chosen by `name` (default hns3). */
export const DriverSchema = z.discriminatedUnion(
  "name",
  [Hns3DriverSchema, Mlx5DriverSchema, IceDriverSchema, BnxtDriverSchema],
  {
    error: () => `must name a known driver: ${DRIVER_NAMES.join(", ")}`,
  },
);
export type DriverParams = z.output<typeof DriverSchema>;

export function driverByName(name: string): DriverDescription {
  const d = DRIVERS.find((x) => x.name === name);
  if (d === undefined)
    throw new Error(`driver.name: unknown driver "${name}" (known: ${DRIVER_NAMES.join(", ")})`);
  return d;
}
