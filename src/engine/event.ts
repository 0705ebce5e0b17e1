import { nameId } from "./fingerprint.js";

/** Ordering among events at the same instant: lower runs first (integers 0..1023). */
export const Priority = {
  /** Process resumptions and interrupts: before ordinary work at the same instant. */
  URGENT: 0,
  NORMAL: 1,
  /** After ordinary work at the same instant: sees the state that work left. */
  LATE: 2,
  /** Observers that must see the instant's final state. */
  MONITOR: 3,
} as const;
export const MAX_PRIORITY = 1023;

/** What an event is, for the fingerprint and traces: (component, kind) with a numeric id. */
export interface EventKind {
  readonly component: string;
  readonly kind: string;
  readonly id: number;
}

export function defineKind(component: string, kind: string): EventKind {
  return { component, kind, id: nameId(`${component}/${kind}`) };
}

export const ANONYMOUS: EventKind = defineKind("-", "-");

export type Handler<A = unknown> = (arg: A) => void;

/**
 * A handle to a scheduled event, for cancel(): the event's slot in the event table and the
 * slot's generation, so a handle to an event that already ran can never cancel the slot's
 * next occupant.
 */
export type EventHandle = number;
