/**
 * Append latency with an empty log and with a big one: single appends at concurrency 1 on a fresh
 * database, then event_store.events is filled with plain SQL to `--big-log` events, then the same
 * appends again.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node dist/bench/big-log.bench.js [--big-log 10000000] [--samples 2000]
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openStore, type Store } from '../src/database';
import { strikeAppender } from './append.bench';
import {
  createBenchDatabase,
  describeMachine,
  flagValue,
  fmt,
  percentile,
  rate,
  sampleMetadata,
  sampleStrike,
  secondsSince,
} from './harness';

/** Events per INSERT … SELECT statement (each its own transaction) while filling. */
const FILL_CHUNK = 1_000_000;
/** Filled streams are an incident report and three corrections, like the import bench's file. */
const EVENTS_PER_STREAM = 4;

export interface Latency {
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

/** Shared buffers one append touches, mean of several: found in shared_buffers, or read in. */
export interface BufferUse {
  hit: number;
  read: number;
}

export interface BigLogResult {
  events: number;
  fillSeconds: number;
  empty: Latency;
  big: Latency;
  /** Why an append slows as the log grows: its buffer use on each log, and the index sizes. */
  buffers: { empty: BufferUse; big: BufferUse };
  indexesMb: { name: string; mb: number }[];
  sharedBuffersMb: number;
}

interface PlanNode {
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
}

/**
 * The shared buffers of `count` appends of one event to a new stream (through
 * event_store.append, run under EXPLAIN ANALYZE BUFFERS and rolled back): the index pages an
 * append touches that were not in shared_buffers show up as reads.
 */
async function measureBufferUse(store: Store, count: number): Promise<BufferUse> {
  let hit = 0;
  let read = 0;
  const metadata = sampleMetadata();
  for (let n = 0; n < count; n++) {
    const streamId = `incident-${randomUUID()}`;
    const streams = JSON.stringify([{ s: streamId, e: -1 }]);
    const events = JSON.stringify([
      {
        i: 0,
        id: randomUUID(),
        s: streamId,
        t: 'StrikeReported',
        v: 1,
        d: sampleStrike(n),
        m: metadata,
        o: null,
      },
    ]);
    await store.db
      .transaction()
      .execute(async (trx) => {
        const plan = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>`
        explain (analyze, buffers, format json)
        select * from event_store.append(${streams}::jsonb, ${events}::jsonb)`.execute(trx);
        const top = plan.rows[0]!['QUERY PLAN'][0].Plan;
        hit += top['Shared Hit Blocks'];
        read += top['Shared Read Blocks'];
        // Rolled back: the log stays the size being measured.
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
  }
  return { hit: hit / count, read: read / count };
}

class RolledBack extends Error {}

/** The events table's indexes, in MB, and shared_buffers. */
async function indexSizes(
  store: Store,
): Promise<{ indexesMb: { name: string; mb: number }[]; sharedBuffersMb: number }> {
  const indexes = await sql<{ name: string; bytes: string }>`
    select c.relname as name, pg_relation_size(c.oid) as bytes
      from pg_index x join pg_class c on c.oid = x.indexrelid
     where x.indrelid = 'event_store.events'::regclass order by c.relname`.execute(store.db);
  const shared = await sql<{ bytes: string }>`
    select pg_size_bytes(current_setting('shared_buffers')) as bytes`.execute(store.db);
  return {
    indexesMb: indexes.rows.map((r) => ({ name: r.name, mb: Number(r.bytes) / 2 ** 20 })),
    sharedBuffersMb: Number(shared.rows[0]!.bytes) / 2 ** 20,
  };
}

/** `samples` single-event appends at concurrency 1 after a short warm-up. */
export async function measureAppendLatency(store: Store, samples: number): Promise<Latency> {
  const append = strikeAppender(store.db);
  await rate(Math.min(500, samples), 1, append);
  const result = await rate(samples, 1, append);
  return {
    p50Ms: percentile(result.latencies, 50),
    p99Ms: percentile(result.latencies, 99),
    perSecond: result.perSecond,
  };
}

interface Definition {
  name: string;
  definition: string;
}

/** The unique constraints and plain indexes of event_store.events (not its primary key). */
async function secondaryKeys(
  client: pg.Client,
): Promise<{ constraints: Definition[]; indexes: Definition[] }> {
  const constraints = await client.query<Definition>(`
    select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
     where conrelid = 'event_store.events'::regclass and contype = 'u'`);
  const indexes = await client.query<Definition>(`
    select i.relname as name, pg_get_indexdef(i.oid) as definition
      from pg_index x join pg_class i on i.oid = x.indexrelid
     where x.indrelid = 'event_store.events'::regclass and not x.indisprimary
       and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`);
  return { constraints: constraints.rows, indexes: indexes.rows };
}

async function dropKeys(
  client: pg.Client,
  keys: Awaited<ReturnType<typeof secondaryKeys>>,
): Promise<void> {
  for (const c of keys.constraints)
    await client.query(
      `alter table event_store.events drop constraint ${pg.escapeIdentifier(c.name)}`,
    );
  for (const i of keys.indexes)
    await client.query(`drop index event_store.${pg.escapeIdentifier(i.name)}`);
}

async function restoreKeys(
  client: pg.Client,
  keys: Awaited<ReturnType<typeof secondaryKeys>>,
): Promise<void> {
  for (const c of keys.constraints)
    await client.query(
      `alter table event_store.events add constraint ${pg.escapeIdentifier(c.name)} ${c.definition}`,
    );
  for (const i of keys.indexes) await client.query(i.definition);
}

/** Inserts events first..first+count-1 of the fill (1-based) with one INSERT … SELECT. */
async function insertFillChunk(client: pg.Client, first: number, count: number): Promise<void> {
  await client.query(
    `insert into event_store.events
       (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at, recorded_at)
     select gen_random_uuid(),
            'incident-' || md5('fill-' || ((g - 1) / ${EVENTS_PER_STREAM}))::uuid,
            ((g - 1) % ${EVENTS_PER_STREAM}) + 1,
            case when (g - 1) % ${EVENTS_PER_STREAM} = 0 then 'StrikeReported' else 'IncidentCorrected' end,
            1,
            case when (g - 1) % ${EVENTS_PER_STREAM} = 0
                 then jsonb_set($1::jsonb, '{summary}', to_jsonb('Filled strike ' || g))
                 else jsonb_build_object('changes', jsonb_build_object('summary', 'Correction ' || g), 'reason', 'A later count.') end,
            $2::jsonb,
            timestamptz '2022-02-24 00:00:00+02' + make_interval(mins => g::int % 2000000),
            date_trunc('milliseconds', now())
       from generate_series($3::bigint, $4::bigint) g`,
    [JSON.stringify(sampleStrike(0)), JSON.stringify(sampleMetadata()), first, first + count - 1],
  );
}

/**
 * Fills event_store.events with `total` events (streams of one StrikeReported and three
 * IncidentCorrected, with their event_store.streams rows) by plain SQL: the unique constraints and
 * indexes are dropped, the rows inserted in chunks, then every key rebuilt as it was, and the
 * table vacuumed and analysed, as a long-lived log would be.
 */
export async function fillLog(databaseUrl: string, total: number): Promise<number> {
  const started = process.hrtime.bigint();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`set synchronous_commit = off`);
    await client.query(`set maintenance_work_mem = '512MB'`);
    const keys = await secondaryKeys(client);
    await dropKeys(client, keys);
    for (let first = 1; first <= total; first += FILL_CHUNK)
      await insertFillChunk(client, first, Math.min(FILL_CHUNK, total - first + 1));
    await client.query(
      `insert into event_store.streams (stream_id, version)
       select 'incident-' || md5('fill-' || s)::uuid, least(${EVENTS_PER_STREAM}, $1::bigint - s * ${EVENTS_PER_STREAM})
         from generate_series(0, ($1::bigint - 1) / ${EVENTS_PER_STREAM}) s`,
      [total],
    );
    await restoreKeys(client, keys);
    await client.query('vacuum (analyze) event_store.events');
    await client.query('vacuum (analyze) event_store.streams');
  } finally {
    await client.end();
  }
  return secondsSince(started);
}

/** Append latency on a fresh database, then again once `bigLog` events fill the log. */
export async function benchBigLog(bigLog: number, samples: number): Promise<BigLogResult> {
  const database = await createBenchDatabase('timeline_biglog_bench');
  try {
    const store = await openStore({ databaseUrl: database.url, poolSize: 2 });
    try {
      await migrateToLatest(store.db);
      const empty = await measureAppendLatency(store, samples);
      const emptyBuffers = await measureBufferUse(store, 200);
      const fillSeconds = await fillLog(database.url, bigLog);
      const big = await measureAppendLatency(store, samples);
      const bigBuffers = await measureBufferUse(store, 200);
      return {
        events: bigLog,
        fillSeconds,
        empty,
        big,
        buffers: { empty: emptyBuffers, big: bigBuffers },
        ...(await indexSizes(store)),
      };
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const bigLog = Number(flagValue(argv, '--big-log') ?? 10_000_000);
  const samples = Number(flagValue(argv, '--samples') ?? 2000);
  benchBigLog(bigLog, samples)
    .then((r) => {
      console.log(describeMachine());
      console.log(`filled ${fmt(r.events)} events in ${fmt(r.fillSeconds, 1)} s`);
      for (const [name, l] of [
        ['empty log', r.empty],
        [`${fmt(r.events)} events`, r.big],
      ] as const)
        console.log(
          `${name}: p50 ${fmt(l.p50Ms, 2)} ms, p99 ${fmt(l.p99Ms, 2)} ms (${fmt(l.perSecond)}/s)`,
        );
      console.log(
        JSON.stringify({
          buffers: r.buffers,
          indexesMb: r.indexesMb,
          sharedBuffersMb: r.sharedBuffersMb,
        }),
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
