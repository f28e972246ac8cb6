import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openStore, type Database } from '../src/database';
import { appendToStreams } from '../src/event-store';
import { createBenchDatabase, rate, sampleMetadata, sampleStrike } from './harness';

/** Appends `eventsPerCall` strike reports to a new stream per call, through our event store. */
export function strikeAppender(
  db: Kysely<Database>,
  eventsPerCall = 1,
): (i: number) => Promise<unknown> {
  const metadata = sampleMetadata();
  return (i) =>
    appendToStreams(db, [
      {
        streamId: `incident-${randomUUID()}`,
        expectedVersion: 'none',
        events: Array.from({ length: eventsPerCall }, (_, k) => ({
          eventId: randomUUID(),
          type: 'StrikeReported',
          schemaVersion: 1,
          data: sampleStrike(i * eventsPerCall + k),
          metadata,
        })),
      },
    ]);
}

/** Single-event appends in process vs a raw pg single-statement insert of the same row shape. */
export async function benchAppends(
  concurrency: number,
  total: number,
): Promise<{ ours: number; raw: number }> {
  const database = await createBenchDatabase();
  try {
    // One pool at a time: 64 + 64 connections would pass PostgreSQL's default max_connections.
    const rawPool = new pg.Pool({ connectionString: database.url, max: concurrency });
    await rawPool.query(`create table raw_events (
      position bigint generated always as identity primary key, event_id uuid not null unique,
      stream_id text not null, stream_version bigint not null, type text not null, data jsonb not null,
      metadata jsonb not null, recorded_at timestamptz not null default now(), unique (stream_id, stream_version))`);
    const metadata = sampleMetadata();
    const rawInsert = (i: number) =>
      rawPool.query(
        'insert into raw_events (event_id, stream_id, stream_version, type, data, metadata) values ($1, $2, 1, $3, $4, $5)',
        [
          randomUUID(),
          `incident-${randomUUID()}`,
          'StrikeReported',
          JSON.stringify(sampleStrike(i)),
          JSON.stringify(metadata),
        ],
      );
    await rate(Math.min(500, total), concurrency, rawInsert);
    const raw = await rate(total, concurrency, rawInsert);
    await rawPool.end();

    const store = await openStore({ databaseUrl: database.url, poolSize: concurrency });
    await migrateToLatest(store.db);
    const append = strikeAppender(store.db);
    await rate(Math.min(500, total), concurrency, append);
    const ours = await rate(total, concurrency, append);
    await store.close();
    return { ours: ours.perSecond, raw: raw.perSecond };
  } finally {
    await database.drop();
  }
}

/**
 * `calls` appends of `eventsPerCall` events each to a new stream, from `concurrency` workers, on a
 * fresh database: events/s (the shape of Emmett's "100 events per appendToStream").
 */
export async function benchBatchAppends(
  concurrency: number,
  calls: number,
  eventsPerCall: number,
): Promise<number> {
  const database = await createBenchDatabase();
  try {
    const store = await openStore({ databaseUrl: database.url, poolSize: concurrency });
    await migrateToLatest(store.db);
    const append = strikeAppender(store.db, eventsPerCall);
    await rate(Math.min(concurrency * 2, calls), concurrency, append);
    const result = await rate(calls, concurrency, append);
    await store.close();
    return result.perSecond * eventsPerCall;
  } finally {
    await database.drop();
  }
}

if (require.main === module) {
  void (async () => {
    for (const c of [1, 16, 64]) {
      const r = await benchAppends(c, c === 1 ? 3000 : 20000);
      console.log(
        `concurrency ${c}: ours ${r.ours.toFixed(0)}/s raw ${r.raw.toFixed(0)}/s ratio ${(r.ours / r.raw).toFixed(2)}`,
      );
    }
  })();
}
