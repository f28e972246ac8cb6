import type { EventEnvelope, StoredEvent } from '../event-store';

export type { EventEnvelope };
import { isTimelineEventType, upcast } from '../timeline';

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
