import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../database';
import { signalAppended } from './append-signal';
import type { EventTable } from './event-store.table';
import {
  translateAppendError,
  EventIdConflictError,
  isUniqueViolation,
  StreamVersionConflictError,
} from './event-store.errors';
import {
  type AppendedEvent,
  type ExpectedVersion,
  type LogCheckpoint,
  type StoredEvent,
  type StreamAppend,
} from './event-store.types';
import {
  appendThroughGroup,
  encodeExpected,
  type AppendRow,
  type EncodedEvent,
} from './group-commit';

/**
 * Appends events to one or more streams atomically, in one statement (one round trip). A
 * single-stream append goes through the group commit (`group-commit.ts`): under load it shares
 * its statement and commit with other streams' appends, never its outcome.
 *
 * Each stream's version is checked against its `expectedVersion`; a stream whose events are all
 * stored already with the same content is an idempotent replay and comes back with
 * `replayed: true`. Results are in the order the events were given.
 *
 * @throws StreamVersionConflictError when a stream is not at its expected version.
 * @throws EventIdConflictError when an event id is stored with other content.
 * @throws StoreUnavailableError when the store cannot be reached; nothing was written.
 */
export async function appendToStreams(
  db: Kysely<Database>,
  appends: readonly StreamAppend[],
): Promise<AppendedEvent[]> {
  const streams: { s: string; e: number | null }[] = [];
  const events: EncodedEvent[] = [];
  const expectedBy = new Map<string, ExpectedVersion>();
  for (const append of appends) {
    if (expectedBy.has(append.streamId)) {
      throw new Error(
        `stream ${append.streamId} appears twice in one append; merge its events first`,
      );
    }
    expectedBy.set(append.streamId, append.expectedVersion);
    streams.push({ s: append.streamId, e: encodeExpected(append.expectedVersion) });
    for (const event of append.events) {
      events.push({
        i: events.length,
        id: event.eventId,
        s: append.streamId,
        t: event.type,
        v: event.schemaVersion,
        d: event.data,
        m: event.metadata,
        o: event.occurredAt ?? null,
      });
    }
  }
  if (events.length === 0) return [];
  const single =
    appends.length === 1
      ? await appendThroughGroup(db, appends[0]!.streamId, appends[0]!.expectedVersion, events)
      : undefined;
  const run = () =>
    sql<AppendRow>`select * from event_store.append(${JSON.stringify(streams)}::jsonb, ${JSON.stringify(events)}::jsonb)`.execute(
      db,
    );
  let result: { rows: AppendRow[] } | undefined = single && { rows: single };
  try {
    result ??= await run();
  } catch (error) {
    const translated = translateAppendError(error, (id) => expectedBy.get(id) ?? 'any');
    // A concurrent twin of this very append may have won the race: run once more, and the
    // stored events come back as an idempotent replay (or the conflict is real).
    const racedWithTwin =
      translated instanceof StreamVersionConflictError || isUniqueViolation(error);
    if (!racedWithTwin) throw translated;
    try {
      result = await run();
    } catch (retryError) {
      throw translateAppendError(retryError, (id) => expectedBy.get(id) ?? 'any');
    }
  }
  const appended = result.rows.filter((row) => !row.replayed).length;
  if (appended > 0) signalAppended(db, appended);
  const byId = new Map(result.rows.map((row) => [row.event_id, row]));
  return events.map((event) => {
    const row = byId.get(event.id);
    if (!row) throw new EventIdConflictError(String(event.id));
    return {
      eventId: row.event_id,
      streamId: row.stream_id,
      streamVersion: Number(row.stream_version),
      position: Number(row.position),
      replayed: row.replayed,
    };
  });
}

const EVENT_COLUMNS = [
  'position',
  'transaction_id',
  'event_id',
  'stream_id',
  'stream_version',
  'type',
  'schema_version',
  'data',
  'metadata',
  'occurred_at',
  'recorded_at',
] as const;

type EventRow = Pick<Selectable<EventTable>, (typeof EVENT_COLUMNS)[number]>;

/** Maps a row of `event_store.events` to a StoredEvent. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    transactionId: String(row.transaction_id),
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  };
}

/** Reads a stream's events in version order, from `fromVersion` (1-based, inclusive). */
export async function readStream(
  db: Kysely<Database>,
  streamId: string,
  options: { fromVersion?: number; limit?: number } = {},
): Promise<StoredEvent[]> {
  let query = db
    .selectFrom('event_store.events')
    .select(EVENT_COLUMNS)
    .where('stream_id', '=', streamId)
    .where('stream_version', '>=', options.fromVersion ?? 1)
    .orderBy('stream_version');
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query.execute();
  return rows.map(toStoredEvent);
}

/**
 * Reads several streams' events at once, each stream in version order. One index lookup per
 * stream (a lateral join): asked as `stream_id in (…)`, a log PostgreSQL had no statistics for
 * (after a bulk load, autovacuum off) was read whole, 300 ms at 1M events, for a few rows.
 */
export async function readStreams(
  db: Kysely<Database>,
  streamIds: readonly string[],
): Promise<Map<string, StoredEvent[]>> {
  const result = new Map<string, StoredEvent[]>(streamIds.map((id) => [id, []]));
  if (streamIds.length === 0) return result;
  const rows = await readStreamsQuery(db, [...new Set(streamIds)]).execute();
  for (const row of rows) result.get(row.stream_id)?.push(toStoredEvent(row));
  return result;
}

/** The statement of readStreams (exported for the test of its plan). */
export function readStreamsQuery(db: Kysely<Database>, streamIds: readonly string[]) {
  return (
    db
      // Columns `s` (the id) and `ordinality` (its place in the list).
      .selectFrom(
        sql<{ s: string; ordinality: number }>`unnest(${streamIds}::text[]) with ordinality`.as(
          's',
        ),
      )
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('event_store.events as e')
            .select(EVENT_COLUMNS)
            .whereRef('e.stream_id', '=', 's.s')
            .orderBy('e.stream_version')
            .as('e'),
        (join) => join.onTrue(),
      )
      .selectAll('e')
      .orderBy('s.ordinality')
      .orderBy('e.stream_version')
  );
}

/** A stream's version (its number of events), or undefined when it does not exist. */
export async function readStreamVersion(
  db: Kysely<Database>,
  streamId: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('event_store.streams')
    .select('version')
    .where('stream_id', '=', streamId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.version);
}

/** One event by id. */
export async function readEvent(
  db: Kysely<Database>,
  eventId: string,
): Promise<StoredEvent | undefined> {
  const row = await db
    .selectFrom('event_store.events')
    .select(EVENT_COLUMNS)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row && toStoredEvent(row);
}

/** The checkpoint of the event at a position, or undefined when no event has it. */
export async function checkpointAt(
  db: Kysely<Database>,
  position: number,
): Promise<LogCheckpoint | undefined> {
  const row = await db
    .selectFrom('event_store.events')
    .select(['transaction_id', 'position'])
    .where('position', '=', position)
    .executeTakeFirst();
  return row && { transactionId: String(row.transaction_id), position: Number(row.position) };
}

/**
 * Reads the global log after a checkpoint, in commit-safe order.
 *
 * Positions come from a sequence, so a transaction holding position 10 can commit after one
 * holding 11. Reading by (transaction_id, position) and only below the oldest transaction still
 * in flight means nothing that becomes visible later can sort before what was already returned.
 */
export async function readLog(
  db: Kysely<Database>,
  after: LogCheckpoint,
  options: { limit: number; types?: readonly string[] | undefined },
): Promise<StoredEvent[]> {
  const rows = await readLogQuery(db, after, options).execute();
  return rows.map(toStoredEvent);
}

/**
 * The statement of readLog (exported for the test of its plan). With types, each type's events
 * are walked in log order through the (type, transaction_id, position) index, `limit` at most,
 * and the walks merged. Asked as `type in (…)`, PostgreSQL cannot walk that index in log order
 * for several types: it fetched every event of the types and sorted them (108 ms for the first
 * page of two types at 200,000 events, growing with the log; 0.6 ms this way), or walked the
 * whole log's order filtering by type, which for a rare type reads most of the log.
 */
export function readLogQuery(
  db: Kysely<Database>,
  after: LogCheckpoint,
  options: { limit: number; types?: readonly string[] | undefined },
) {
  const safe = sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
  const following = sql<boolean>`(transaction_id, position) > (${after.transactionId}::xid8, ${after.position}::bigint)`;
  if (!options.types || options.types.length === 0)
    return db
      .selectFrom('event_store.events')
      .select(EVENT_COLUMNS)
      .where(safe)
      .where(following)
      .orderBy('transaction_id')
      .orderBy('position')
      .limit(options.limit);
  return (
    db
      // One column, `t` (a type).
      .selectFrom(sql<{ t: string }>`unnest(${[...new Set(options.types)]}::text[])`.as('t'))
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('event_store.events as e')
            .select(EVENT_COLUMNS)
            .whereRef('e.type', '=', 't.t')
            .where(safe)
            .where(following)
            .orderBy('e.transaction_id')
            .orderBy('e.position')
            .limit(options.limit)
            .as('e'),
        (join) => join.onTrue(),
      )
      .selectAll('e')
      .orderBy('e.transaction_id')
      .orderBy('e.position')
      .limit(options.limit)
  );
}

/** The checkpoint of the last event that is safe to read now (LOG_START-like when empty). */
export async function readHead(db: Kysely<Database>): Promise<LogCheckpoint | undefined> {
  const row = await db
    .selectFrom('event_store.events')
    .select(['transaction_id', 'position'])
    .where(sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('transaction_id', 'desc')
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { transactionId: String(row.transaction_id), position: Number(row.position) };
}
