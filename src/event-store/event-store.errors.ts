import type { ExpectedVersion } from './event-store.types';

/** Base of every error the event store raises; no driver error leaves the module. */
export abstract class EventStoreError extends Error {}

/** The stream was not at the version the append expected. */
export class StreamVersionConflictError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly current: number,
  ) {
    super(`stream ${streamId} is at version ${current}, expected ${String(expected)}`);
  }
}

/** An event id is already stored with other content (or only part of a stream's events are). */
export class EventIdConflictError extends EventStoreError {
  constructor(readonly id: string) {
    super(`event ${id} is already stored with other content`);
  }
}

/** The store could not be reached; nothing was written. */
export class StoreUnavailableError extends EventStoreError {
  constructor(readonly reason: string) {
    super(`the event store is unreachable: ${reason}`);
  }
}

interface DriverError {
  code?: unknown;
  detail?: unknown;
  message?: unknown;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** True when a driver error means the server is gone or not accepting connections. */
export function isUnavailableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as DriverError;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  const text = typeof message === 'string' ? message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|ECONNREFUSED|PGlite is closed|is not currently accepting connections|the database system is (starting up|shutting down)/i.test(
    text,
  );
}

/** Maps a driver error from an append to an EventStoreError, or returns it unchanged. */
export function translateAppendError(
  error: unknown,
  expectedFor: (streamId: string) => ExpectedVersion,
): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { code, detail } = error as DriverError;
  if (code === 'ES001') return new EventIdConflictError(String(detail));
  if (code === 'ES002' && typeof detail === 'string') {
    const parsed = JSON.parse(detail) as { streamId: string; current: number };
    return new StreamVersionConflictError(
      parsed.streamId,
      expectedFor(parsed.streamId),
      parsed.current,
    );
  }
  if (isUnavailableError(error)) {
    return new StoreUnavailableError(
      typeof (error as DriverError).message === 'string'
        ? String((error as DriverError).message)
        : String(code),
    );
  }
  return error;
}

/** True for a unique violation: a key (event id, stream version, …) is already stored. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as DriverError).code === '23505';
}

// A deadlock, a serialization failure, a lock or statement timeout: the batch did nothing wrong
// and can simply run again.
const TRANSIENT_CODES = new Set(['40P01', '40001', '55P03', '57014']);

/** True for a driver error that says "try again", not "this input cannot be applied". */
export function isTransientError(error: unknown): boolean {
  if (isUnavailableError(error)) return true;
  const code =
    typeof error === 'object' && error !== null ? (error as DriverError).code : undefined;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}
