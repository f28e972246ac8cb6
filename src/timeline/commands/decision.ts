import type { TimelineEventType } from '../events';

/** An event a decision wants appended. */
export interface PendingEvent {
  eventId: string;
  type: TimelineEventType;
  data: unknown;
  /** The instant the incident happened (ISO 8601 UTC), when the event says. */
  occurredAt?: string;
}

/**
 * What a command decides: append events, or nothing because it is a replay of one already stored
 * (`eventId` names it; without one, the stream's first event).
 */
export type Decision =
  { kind: 'append'; events: PendingEvent[] } | { kind: 'replay'; eventId?: string };

/** Canonical JSON: object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`: changed scalars and arrays
 * whole, objects field by field, removed fields as null.
 */
export function createMergePatch(before: unknown, after: unknown): unknown {
  if (!isObject(before) || !isObject(after)) return after;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (!(key in after)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (canonicalJson(old) === canonicalJson(value)) continue;
    patch[key] = isObject(old) && isObject(value) ? createMergePatch(old, value) : value;
  }
  return patch;
}
