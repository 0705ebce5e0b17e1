/**
 * Every interrupt generated ends in exactly one outcome (MODEL.md section 2): delivered to the
 * guest, coalesced into a pending bit that was already set, still pending at the end of the
 * run, or dropped with one cause.
 */
export const DROP_CAUSES = [
  "msix-disabled",
  "its-unmapped-device",
  "its-event-out-of-range",
  "its-unmapped-event",
  "discarded-while-pending",
  "no-host-handler",
  "guest-vector-unused",
] as const;
export type DropCause = (typeof DROP_CAUSES)[number];

/** Numeric codes keep the per-interrupt hot path free of strings. */
export const Cause = {
  MSIX_DISABLED: 0,
  ITS_UNMAPPED_DEVICE: 1,
  ITS_EVENT_OUT_OF_RANGE: 2,
  ITS_UNMAPPED_EVENT: 3,
  DISCARDED_WHILE_PENDING: 4,
  NO_HOST_HANDLER: 5,
  GUEST_VECTOR_UNUSED: 6,
} as const;
export type CauseCode = (typeof Cause)[keyof typeof Cause];

export function causeName(code: number): DropCause {
  const name = DROP_CAUSES[code];
  if (name === undefined) throw new RangeError(`unknown drop cause code ${code}`);
  return name;
}

/** The `dropped_<cause>` column name of a cause (dashes become underscores). */
export function causeColumn(cause: DropCause): string {
  return `dropped_${cause.replaceAll("-", "_")}`;
}
