import type { StoredEvent } from '../event-store';
import { isTimelineEventType, upcast } from '../timeline';

/** An event as the API shows it. */
export interface EventEnvelope {
  eventId: string;
  streamId: string;
  streamVersion: number;
  position: number;
  type: string;
  schemaVersion: number;
  occurredAt: string | null;
  recordedAt: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

/** Shapes a stored event for the API; timeline events are upcast to their current shape. */
export function toEnvelope(event: StoredEvent): EventEnvelope {
  const data = isTimelineEventType(event.type)
    ? upcast(event.type, event.schemaVersion, event.data).data
    : event.data;
  return {
    eventId: event.eventId,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    position: event.position,
    type: event.type,
    schemaVersion: event.schemaVersion,
    occurredAt: event.occurredAt ? event.occurredAt.toISOString() : null,
    recordedAt: event.recordedAt.toISOString(),
    data,
    metadata: event.metadata,
  };
}
