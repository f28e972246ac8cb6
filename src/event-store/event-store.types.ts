/**
 * What an append expects of a stream's version: `any` (no check), `none` (the stream must not
 * exist) or an exact version (the stream's number of events; 0 is the same as `none`).
 */
export type ExpectedVersion = 'any' | 'none' | number;

/** An event to append. The store does not interpret `type`, `data` or `metadata`. */
export interface NewEvent {
  /** Client- or server-chosen UUID; appending the same id with the same content is a no-op. */
  eventId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: Record<string, unknown>;
  /** When the fact happened in the world (ISO 8601), if the event says. */
  occurredAt?: string | null;
}

/** Events for one stream, appended in order after the expected version. */
export interface StreamAppend {
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
}

/** Where an appended (or idempotently replayed) event landed. */
export interface AppendedEvent {
  eventId: string;
  streamId: string;
  /** 1-based. */
  streamVersion: number;
  /** Place in the global log: a bookmark, not a count. */
  position: number;
  /** True when the event was already stored with the same content. */
  replayed: boolean;
}

/** An event as stored. */
export interface StoredEvent {
  position: number;
  /** xid8 of the transaction that appended it, as text. */
  transactionId: string;
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: Record<string, unknown>;
  occurredAt: Date | null;
  recordedAt: Date;
}

/** A place in the global log's safe reading order. */
export interface LogCheckpoint {
  transactionId: string;
  position: number;
}

/** The start of the log: before every event. */
export const LOG_START: LogCheckpoint = { transactionId: '0', position: 0 };

/**
 * An event as it leaves the service (the API, SSE, export): ids, place, type, times as ISO 8601
 * UTC strings, data and metadata.
 */
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
