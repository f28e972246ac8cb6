import { upcast, type IncidentBody, type IncidentEventType, type TimelineEvent } from './events';

/** What the write side knows of an incident: folded from its stream. */
export interface IncidentState {
  incidentId: string;
  /** The stream's version: its number of events (0 when it does not exist). */
  version: number;
  /** The type of the event that opened the incident. */
  type?: IncidentEventType;
  /** The incident's body with every correction applied. */
  body?: IncidentBody;
  /** Id of the event that opened the incident (for idempotent replays). */
  firstEventId?: string;
  retracted: boolean;
}

/** The state of an incident with no events. */
export function initialIncidentState(incidentId: string): IncidentState {
  return { incidentId, version: 0, retracted: false };
}

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies a JSON merge patch (RFC 7386): objects merge field by field, arrays and scalars
 * replace, null removes. Returns a new value; neither input is changed.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: PlainObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** Folds one event into an incident's state. Pure. */
export function evolve(state: IncidentState, event: TimelineEvent, eventId: string): IncidentState {
  const version = state.version + 1;
  switch (event.type) {
    case 'IncidentCorrected':
      return {
        ...state,
        version,
        body: applyMergePatch(state.body, event.data.changes) as IncidentBody,
      };
    case 'IncidentRetracted':
      return { ...state, version, retracted: true };
    default:
      return { ...state, version, type: event.type, body: event.data, firstEventId: eventId };
  }
}

/** Folds stored events (any schema version) into an incident's state. */
export function foldIncident(
  incidentId: string,
  events: readonly { eventId: string; type: string; schemaVersion: number; data: unknown }[],
): IncidentState {
  return events.reduce(
    (state, stored) =>
      evolve(state, upcast(stored.type, stored.schemaVersion, stored.data), stored.eventId),
    initialIncidentState(incidentId),
  );
}
