import { isUtf8 } from 'node:buffer';
import { Logger } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import {
  compareCheckpoints,
  isUniqueViolation,
  LOG_START,
  signalAppended,
  type EventEnvelope,
  type LogCheckpoint,
} from '../event-store';
import { canonicalJson, isJsonObject, isUuid, upcast } from '../timeline';

/**
 * An event as export writes it and import reads it: the API's envelope, with `data` as stored
 * (at its `schemaVersion`, not upcast) and times to the microsecond when they have one. Import
 * ignores `position` (the target store assigns its own).
 */
export type ExportedEvent = EventEnvelope;

/** An ISO 8601 UTC date-time from microseconds since the epoch: milliseconds, plus µs when any. */
function isoFromMicros(text: string): string {
  const us = BigInt(text);
  let ms = us / 1000n;
  if (us < 0n && ms * 1000n !== us) ms -= 1n;
  const sub = us - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return sub === 0n ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

const micros = (column: 'occurred_at' | 'recorded_at') =>
  sql<string | null>`(extract(epoch from ${sql.ref(column)}) * 1000000)::bigint::text`;

/**
 * The last event committed, in the log's order, however many transactions are still open: an
 * export must end there. (A projection's readHead stops below the oldest transaction in flight
 * anywhere on the server, so that it never passes an event that could still commit behind it;
 * an export that stopped there came back short while any other transaction was open.)
 */
async function lastCommitted(db: Kysely<Database>): Promise<LogCheckpoint | undefined> {
  const row = await db
    .selectFrom('event_store.events')
    .select(['transaction_id', 'position'])
    .orderBy('transaction_id', 'desc')
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { transactionId: String(row.transaction_id), position: Number(row.position) };
}

/**
 * Reads every event in the log's order, in pages of `batchSize`, up to the last one committed
 * when the export began (an export under steady writes ends). One query per page. Everything
 * committed before the export began is in it; a transaction that commits during the export is
 * in it whole or not at all (its events share a transaction id, so the pages pass them together).
 */
export async function* readLogForExport(
  db: Kysely<Database>,
  options: { batchSize?: number } = {},
): AsyncGenerator<ExportedEvent[]> {
  const batchSize = options.batchSize ?? 1000;
  const head = await lastCommitted(db);
  if (!head) return;
  let after: LogCheckpoint = LOG_START;
  for (;;) {
    const rows = await db
      .selectFrom('event_store.events')
      .select([
        'position',
        'transaction_id',
        'event_id',
        'stream_id',
        'stream_version',
        'type',
        'schema_version',
        'data',
        'metadata',
        micros('occurred_at').as('occurred_us'),
        micros('recorded_at').as('recorded_us'),
      ])
      .where(
        sql<boolean>`(transaction_id, position) > (${after.transactionId}::xid8, ${after.position}::bigint)`,
      )
      .where(
        sql<boolean>`(transaction_id, position) <= (${head.transactionId}::xid8, ${head.position}::bigint)`,
      )
      .orderBy('transaction_id')
      .orderBy('position')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((row) => ({
      eventId: row.event_id,
      streamId: row.stream_id,
      streamVersion: Number(row.stream_version),
      position: Number(row.position),
      type: row.type,
      schemaVersion: row.schema_version,
      occurredAt: row.occurred_us === null ? null : isoFromMicros(row.occurred_us),
      recordedAt: isoFromMicros(row.recorded_us!),
      data: row.data,
      metadata: row.metadata,
    }));
    const last = rows[rows.length - 1]!;
    after = { transactionId: String(last.transaction_id), position: Number(last.position) };
    if (rows.length < batchSize || compareCheckpoints(after, head) >= 0) return;
  }
}

/** One line of an NDJSON body: its 1-based number and text, or the news that it is too long. */
export type NdjsonLine =
  { line: number; text: string } | { line: number; error: 'too-long' | 'not-utf8' };

/**
 * Splits a byte stream into lines as it arrives (LF or CRLF), holding at most one line and one
 * chunk in memory; stops at a line longer than `maxLineBytes`. Pull-based, so a slow consumer
 * slows the producer (an HTTP body is read only as fast as the import writes).
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<NdjsonLine> {
  let parts: Buffer[] = [];
  let partsLength = 0;
  let line = 0;
  const finish = (tail: Buffer): NdjsonLine => {
    line++;
    let bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    partsLength = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, -1);
    if (bytes.length > maxLineBytes) return { line, error: 'too-long' };
    if (!isUtf8(bytes)) return { line, error: 'not-utf8' };
    let text = bytes.toString('utf8');
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { line, text };
  };
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const next = finish(chunk.subarray(start, nl));
      yield next;
      if ('error' in next) return;
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Copied: the rest of a chunk must not pin the whole chunk (or the stream's pool) in memory.
      parts.push(Buffer.from(chunk.subarray(start)));
      partsLength += chunk.length - start;
      if (partsLength > maxLineBytes + 1) {
        yield { line: line + 1, error: 'too-long' };
        return;
      }
    }
  }
  if (partsLength > 0) yield finish(Buffer.alloc(0));
}

/** An event read from an import line, ready to insert. */
export interface ImportedEvent {
  line: number;
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  occurredAt: string | null;
  recordedAt: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const FIELDS = new Set([
  'eventId',
  'streamId',
  'streamVersion',
  'position',
  'type',
  'schemaVersion',
  'occurredAt',
  'recordedAt',
  'data',
  'metadata',
]);
const STREAM_ID = /^[\x21-\x7e]{1,300}$/;
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;
// Neither may be stored: PostgreSQL's jsonb refuses U+0000 and unpaired surrogates.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|\p{Surrogate}/u;
// A parsed string can hold either only if the line spells it as a \u escape or holds an unpaired
// surrogate itself (JSON takes no raw U+0000): most lines have neither, and skip the walk.
const MAYBE_UNSTORABLE = /\\u|\p{Surrogate}/u;

/** The first string (key or value) in a JSON value that jsonb cannot store, as a path. */
function findUnstorable(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (UNSTORABLE.test(key)) return `${path}.${key}`;
      const found = findUnstorable(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

function isDateTime(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** Parses and checks one line; the message lists every problem with it. */
export function parseImportLine(
  line: number,
  text: string,
): { ok: true; event: ImportedEvent } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!isJsonObject(value)) return { ok: false, message: 'must be a JSON object (an envelope)' };
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!FIELDS.has(key)) problems.push(`${key} is not an envelope field`);
  }
  const e = value;
  if (!isUuid(e.eventId)) problems.push('eventId must be a UUID');
  if (typeof e.streamId !== 'string' || !STREAM_ID.test(e.streamId))
    problems.push('streamId must be 1 to 300 printable characters');
  if (!isInteger(e.streamVersion, 1, Number.MAX_SAFE_INTEGER))
    problems.push('streamVersion must be an integer >= 1');
  if (e.position !== undefined && !isInteger(e.position, 1, Number.MAX_SAFE_INTEGER))
    problems.push('position must be an integer >= 1 when given');
  if (!isInteger(e.schemaVersion, 1, 2 ** 31 - 1))
    problems.push('schemaVersion must be an integer >= 1');
  if (typeof e.type !== 'string') problems.push('type must be a string');
  else if (isInteger(e.schemaVersion, 1, 2 ** 31 - 1)) {
    try {
      upcast(e.type, e.schemaVersion, e.data);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (e.occurredAt !== null && !isDateTime(e.occurredAt))
    problems.push('occurredAt must be null or a date-time with an offset');
  if (!isDateTime(e.recordedAt)) problems.push('recordedAt must be a date-time with an offset');
  if (!isJsonObject(e.data)) problems.push('data must be a JSON object');
  if (!isJsonObject(e.metadata)) problems.push('metadata must be a JSON object');
  const unstorable = MAYBE_UNSTORABLE.test(text)
    ? (findUnstorable(e.data, 'data') ?? findUnstorable(e.metadata, 'metadata'))
    : undefined;
  if (unstorable !== undefined)
    problems.push(`${unstorable} holds U+0000 or an unpaired surrogate, which cannot be stored`);
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return {
    ok: true,
    event: {
      line,
      eventId: (e.eventId as string).toLowerCase(),
      streamId: e.streamId as string,
      streamVersion: e.streamVersion as number,
      type: e.type as string,
      schemaVersion: e.schemaVersion as number,
      occurredAt: e.occurredAt as string | null,
      recordedAt: e.recordedAt as string,
      data: e.data,
      metadata: e.metadata as Record<string, unknown>,
    },
  };
}

/** What an import did; `ok: false` names the line that stopped it (nothing from it on is in). */
export type ImportResult =
  | { ok: true; imported: number; skipped: number }
  | {
      ok: false;
      /** 400 for a malformed line, 409 for a conflict with the store or an earlier line. */
      status: 400 | 409;
      line: number;
      message: string;
      imported: number;
      skipped: number;
    };

/** Options of an import. */
export interface ImportOptions {
  /** Events per atomic insert. */
  batchSize?: number;
  /** The longest line taken. */
  maxLineBytes?: number;
  /** Logs a progress line every this many events (0: never). */
  progressEvery?: number;
  /**
   * An import that added at least this many events gathers the log's statistics before it
   * answers (default 10,000; 0: never), as a projection runner does for its tables after a long
   * catch-up: a bulk load leaves the log without any until autovacuum gets to it, or ever with
   * autovacuum off.
   */
  analyzeAfter?: number;
  logger?: Pick<Logger, 'log'>;
}

interface BatchOutcome {
  imported: number;
  skipped: number;
  problem?: { line: number; message: string };
}

interface BatchRow {
  imported: number | string;
  skipped: number | string;
  problem_line: number | null;
  problem_kind: 'content' | 'version' | null;
  problem_expected: number | string | null;
}

/** Each stream of a batch with its first and last version; undefined when one skips a version. */
function streamRuns(
  events: readonly ImportedEvent[],
): { s: string; f: number; l: number }[] | undefined {
  const runs = new Map<string, { s: string; f: number; l: number }>();
  for (const e of events) {
    const run = runs.get(e.streamId);
    if (!run) runs.set(e.streamId, { s: e.streamId, f: e.streamVersion, l: e.streamVersion });
    else if (e.streamVersion !== run.l + 1) return undefined;
    else run.l = e.streamVersion;
  }
  return [...runs.values()];
}

/**
 * The common case of a batch, in a statement that checks one row per stream rather than one per
 * event: no event id is in the store yet (the unique index proves it as it inserts) and each
 * stream continues where the store has it, its versions consecutive within the batch. Inserts
 * the whole batch and answers true, or inserts nothing and answers false, for the statement
 * that checks event by event.
 */
async function insertNewBatch(
  db: Kysely<Database>,
  payload: string,
  runs: readonly { s: string; f: number; l: number }[],
): Promise<boolean> {
  try {
    const { rows } = await sql<{ behind: number | string }>`
      with runs as (
        select * from jsonb_to_recordset(${JSON.stringify(runs)}::jsonb)
          as u(s text, f bigint, l bigint)
      ),
      behind as (
        select count(*) as n
          from runs u
          left join event_store.streams st on st.stream_id = u.s
         where coalesce(st.version, 0) <> u.f - 1
      ),
      inserted as (
        insert into event_store.events
          (event_id, stream_id, stream_version, type, schema_version, data, metadata,
           occurred_at, recorded_at)
        select i.id, i.s, i.v, i.t, i.sv, i.d, i.m, i.o, i.r
          from jsonb_to_recordset(${payload}::jsonb)
            as i(n int, id uuid, s text, v bigint, t text, sv int, d jsonb, m jsonb,
                 o timestamptz, r timestamptz)
         where (select n from behind) = 0
         order by i.n
        returning 1
      ),
      bumped as (
        insert into event_store.streams as st (stream_id, version)
        select s, l from runs where (select n from behind) = 0
        on conflict (stream_id) do update
          set version = excluded.version, updated_at = now()
          where st.version < excluded.version
        returning 1
      )
      select (select n from behind) as behind,
             (select count(*) from inserted) as imported,
             (select count(*) from bumped) as streams`.execute(db);
    return Number(rows[0]!.behind) === 0;
  } catch (error) {
    // An event id already stored (a replay), or a version a concurrent append took: nothing of
    // the statement stayed; the statement that checks event by event tells which.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/**
 * Inserts one batch atomically: events whose id is stored with the same content are skipped;
 * the rest must continue their streams (version n+1 after the stream's version in the store, or
 * after the batch's previous event of that stream). Everything before the first line that fails
 * either check is inserted, nothing from it on; stream versions are upserted from what was
 * inserted. Positions and transaction ids are the target store's. With `tryNew`, the cheaper
 * statement for a batch of new events goes first; `checked` tells whether it was not enough.
 */
async function insertBatch(
  db: Kysely<Database>,
  events: readonly ImportedEvent[],
  tryNew: boolean,
): Promise<BatchOutcome & { checked: boolean }> {
  const payload = JSON.stringify(
    events.map((e) => ({
      n: e.line,
      id: e.eventId,
      s: e.streamId,
      v: e.streamVersion,
      t: e.type,
      sv: e.schemaVersion,
      d: e.data,
      m: e.metadata,
      o: e.occurredAt,
      r: e.recordedAt,
    })),
  );
  const runs = tryNew ? streamRuns(events) : undefined;
  if (runs && (await insertNewBatch(db, payload, runs))) {
    signalAppended(db, events.length);
    return { imported: events.length, skipped: 0, checked: false };
  }
  return { ...(await insertCheckedBatch(db, events, payload)), checked: true };
}

/** `insertBatch`, event by event, in one statement (so one transaction). */
async function insertCheckedBatch(
  db: Kysely<Database>,
  events: readonly ImportedEvent[],
  payload: string,
): Promise<BatchOutcome> {
  let result: { rows: BatchRow[] };
  try {
    result = await sql<BatchRow>`
      with incoming as (
        select * from jsonb_to_recordset(${payload}::jsonb)
          as i(n int, id uuid, s text, v bigint, t text, sv int, d jsonb, m jsonb,
               o timestamptz, r timestamptz)
      ),
      stored as (
        select i.n,
               x.stream_id = i.s and x.stream_version = i.v and x.type = i.t
               and x.schema_version = i.sv and x.data = i.d and x.metadata = i.m
               and date_trunc('milliseconds', x.occurred_at)
                   is not distinct from date_trunc('milliseconds', i.o)
               and date_trunc('milliseconds', x.recorded_at) = date_trunc('milliseconds', i.r)
                 as same
          from incoming i
          join event_store.events x on x.event_id = i.id
      ),
      fresh as (
        select i.n, i.v,
               coalesce(st.version, 0) + row_number() over (partition by i.s order by i.n)
                 as expected
          from incoming i
          left join event_store.streams st on st.stream_id = i.s
         where not exists (select 1 from stored k where k.n = i.n)
      ),
      problem as (
        select n, kind, expected from (
          select n, 'content' as kind, null::bigint as expected from stored where not same
          union all
          select n, 'version', expected from fresh where v <> expected
        ) p
        order by n
        limit 1
      ),
      upto as (
        select coalesce((select n from problem), 2147483647) as n
      ),
      inserted as (
        insert into event_store.events
          (event_id, stream_id, stream_version, type, schema_version, data, metadata,
           occurred_at, recorded_at)
        select i.id, i.s, i.v, i.t, i.sv, i.d, i.m, i.o, i.r
          from incoming i
          join fresh f on f.n = i.n
         where i.n < (select n from upto)
         order by i.n
        returning stream_id, stream_version
      ),
      bumped as (
        insert into event_store.streams as st (stream_id, version)
        select stream_id, max(stream_version) from inserted group by stream_id
        on conflict (stream_id) do update
          set version = excluded.version, updated_at = now()
          where st.version < excluded.version
        returning 1
      )
      select (select count(*) from inserted) as imported,
             (select count(*) from stored where same and n < (select n from upto)) as skipped,
             (select count(*) from bumped) as streams,
             (select n from problem) as problem_line,
             (select kind from problem) as problem_kind,
             (select expected from problem) as problem_expected`.execute(db);
  } catch (error) {
    // A concurrent append took a version of one of these streams between the check and the insert.
    if (isUniqueViolation(error)) {
      return {
        imported: 0,
        skipped: 0,
        problem: {
          line: events[0]!.line,
          message:
            'a concurrent append took a version of a stream in the batch starting here; nothing of it was imported, import again',
        },
      };
    }
    throw error;
  }
  const row = result.rows[0]!;
  const outcome: BatchOutcome = { imported: Number(row.imported), skipped: Number(row.skipped) };
  if (row.problem_line !== null) {
    const event = events.find((e) => e.line === Number(row.problem_line))!;
    if (row.problem_kind === 'content') {
      outcome.problem = {
        line: event.line,
        message: `event ${event.eventId} is already stored with other content`,
      };
    } else {
      const expected = Number(row.problem_expected);
      outcome.problem = {
        line: event.line,
        message:
          event.streamVersion > expected
            ? `stream ${event.streamId} is at version ${expected - 1}: streamVersion ${event.streamVersion} leaves a gap (${expected} expected)`
            : `stream ${event.streamId} already has version ${event.streamVersion} as another event (${expected} expected next)`,
      };
    }
  }
  if (outcome.imported > 0) signalAppended(db, outcome.imported);
  return outcome;
}

/** An insert in flight, settled either way so that a failure waits for the import to await it. */
type PendingBatch = Promise<{ outcome: BatchOutcome & { checked: boolean } } | { error: unknown }>;

/**
 * Imports NDJSON envelopes (as export writes them) in atomic batches, reading the body as it
 * arrives: memory stays flat whatever the size. Importing the same file again adds nothing
 * (every event is `skipped`). The first malformed line (400), event id stored with other
 * content or stream-version gap (409) stops the import; everything before that line stays in,
 * so a corrected file can simply be imported again.
 *
 * One batch is inserted while the next is read and parsed (PostgreSQL and Node each keep a core
 * busy), but batches are inserted one after another, each only once the one before committed:
 * a batch sees its predecessors' streams and event ids, and nothing after a failing batch goes in.
 */
export async function importNdjson(
  db: Kysely<Database>,
  source: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const logger = options.logger ?? new Logger('import');
  const result = await importBatches(db, source, options, logger);
  const analyzeAfter = options.analyzeAfter ?? 10_000;
  if (analyzeAfter > 0 && result.imported >= analyzeAfter) {
    const started = Date.now();
    await sql`analyze event_store.events, event_store.streams`.execute(db);
    logger.log(`import: gathered the log's statistics (${Date.now() - started} ms)`);
  }
  return result;
}

/** importNdjson without the statistics at the end. */
async function importBatches(
  db: Kysely<Database>,
  source: AsyncIterable<Buffer | string>,
  options: ImportOptions,
  logger: Pick<Logger, 'log'>,
): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 1000;
  const progressEvery = options.progressEvery ?? 10_000;
  let imported = 0;
  let skipped = 0;
  let lastReport = 0;
  const started = Date.now();
  let batch: ImportedEvent[] = [];
  // Event ids of the batch, for a repeat inside it (the store sees the ones of earlier batches).
  let ids = new Map<string, ImportedEvent>();
  let pending: PendingBatch | undefined;
  // A replay skips batch after batch: once one was, the next go straight to the checked insert
  // (the insert of new events would only fail on them) until one skips nothing.
  let tryNew = true;

  /** Waits for the insert in flight, if any; its problem, if it had one. */
  const settle = async (): Promise<{ line: number; message: string } | undefined> => {
    if (!pending) return undefined;
    const settled = await pending;
    pending = undefined;
    if ('error' in settled) throw settled.error;
    const outcome = settled.outcome;
    tryNew = !outcome.checked || outcome.skipped === 0;
    imported += outcome.imported;
    skipped += outcome.skipped;
    if (progressEvery > 0 && imported + skipped - lastReport >= progressEvery) {
      lastReport = imported + skipped;
      const seconds = (Date.now() - started) / 1000;
      logger.log(
        `import: ${imported} events imported, ${skipped} skipped (${Math.round(lastReport / Math.max(seconds, 0.001))} events/s)`,
      );
    }
    return outcome.problem;
  };
  /** Starts inserting the batch once the one in flight committed; its problem, if it had one. */
  const send = async (): Promise<{ line: number; message: string } | undefined> => {
    const problem = await settle();
    if (problem || batch.length === 0) return problem;
    pending = insertBatch(db, batch, tryNew).then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    );
    batch = [];
    ids = new Map();
    return undefined;
  };
  /** Inserts everything read so far and waits for it. */
  const flush = async (): Promise<{ line: number; message: string } | undefined> =>
    (await send()) ?? (await settle());
  const stop = (status: 400 | 409, line: number, message: string): ImportResult => ({
    ok: false,
    status,
    line,
    message,
    imported,
    skipped,
  });

  try {
    for await (const item of splitLines(source, options.maxLineBytes ?? 8 * 1024 * 1024)) {
      if ('error' in item) {
        const problem = await flush();
        if (problem) return stop(409, problem.line, problem.message);
        return stop(
          400,
          item.line,
          item.error === 'too-long' ? 'is longer than the limit of a line' : 'is not valid UTF-8',
        );
      }
      if (item.text.trim() === '') continue;
      const parsed = parseImportLine(item.line, item.text);
      if (!parsed.ok) {
        const problem = await flush();
        if (problem) return stop(409, problem.line, problem.message);
        return stop(400, item.line, parsed.message);
      }
      const event = parsed.event;
      const twin = ids.get(event.eventId);
      if (twin) {
        const { line: _a, ...first } = twin;
        const { line: _b, ...again } = event;
        if (canonicalJson(first) === canonicalJson(again)) {
          skipped++;
          continue;
        }
        const problem = await flush();
        if (problem) return stop(409, problem.line, problem.message);
        return stop(
          409,
          event.line,
          `event ${event.eventId} appears on line ${twin.line} with other content`,
        );
      }
      ids.set(event.eventId, event);
      batch.push(event);
      if (batch.length >= batchSize) {
        const problem = await send();
        if (problem) return stop(409, problem.line, problem.message);
      }
    }
    const problem = await flush();
    if (problem) return stop(409, problem.line, problem.message);
    return { ok: true, imported, skipped };
  } finally {
    // The body failed (or a batch threw): the insert in flight still ends before the import does.
    if (pending) await pending;
  }
}
