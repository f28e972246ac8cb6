/**
 * The same workloads against the closest TypeScript peer, Emmett's PostgreSQL event store
 * (@event-driven-io/emmett-postgresql, a dev dependency of the bench only), each on a fresh
 * database: single appends (one event to a new stream per appendToStream) at each concurrency,
 * appends of 100 events per call, and its projection processing over everything appended.
 *
 * Runs in its own process (bench/run.ts starts it): Emmett's driver sets process-wide pg type
 * parsers (int8 as bigint, its own JSON parser) that our store must not see. Prints one JSON line.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node dist/bench/emmett.bench.js --appends 1:4000,16:20000,64:20000 --batch-calls 400
 */
import { randomUUID } from 'node:crypto';
import { SQL } from '@event-driven-io/dumbo';
import { STREAM_DOES_NOT_EXIST, type Event } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  postgreSQLRawSQLProjection,
  rebuildPostgreSQLProjections,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import {
  createBenchDatabase,
  flagValue,
  rate,
  sampleMetadata,
  sampleStrike,
  secondsSince,
} from './harness';

type StrikeReported = Event<'StrikeReported', Record<string, unknown>, Record<string, unknown>>;

export interface EmmettOptions {
  /** Single appends: total per concurrency. */
  appends: { concurrency: number; total: number }[];
  batchCalls: number;
  eventsPerCall: number;
  batchConcurrency: number;
  /** Events in the log the projection is rebuilt from. */
  projectionEvents: number;
  /** The consumer's pull: events per batch (Emmett's default is 100) and pause between batches. */
  pullBatchSize: number;
  pullingFrequencyInMs: number;
}

export interface EmmettResult {
  /** Single appends/s by concurrency. */
  appends: Record<string, number>;
  batchEventsPerSecond: number;
  /**
   * Events handled by the projection, per second of its rebuild, over a log appended one call at
   * a time. (Over a log appended concurrently it passes over some events: its reader orders by
   * transaction id but resumes after the last global position it saw, so an event that got a
   * lower position in a transaction with a higher id is never read.)
   */
  projectionEventsPerSecond: number;
  projectedEvents: number;
}

/** An Emmett store on a fresh database with a pool of `poolSize`, its schema migrated. */
async function withEmmettStore<T>(
  poolSize: number,
  run: (store: PostgresEventStore, url: string) => Promise<T>,
): Promise<T> {
  const database = await createBenchDatabase('emmett_bench');
  const pool = new pg.Pool({ connectionString: database.url, max: poolSize });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(database.url, { connectionOptions: { pool } });
  try {
    await store.schema.migrate();
    return await run(store, database.url);
  } finally {
    await store.close();
    await pool.end();
    await database.drop();
  }
}

/** Appends `eventsPerCall` strike reports to a new stream per call, as our strikeAppender does. */
function emmettAppender(
  store: PostgresEventStore,
  eventsPerCall: number,
): (i: number) => Promise<unknown> {
  const metadata = sampleMetadata();
  return (i) =>
    store.appendToStream<StrikeReported>(
      `incident-${randomUUID()}`,
      Array.from({ length: eventsPerCall }, (_, k) => ({
        type: 'StrikeReported',
        data: sampleStrike(i * eventsPerCall + k),
        metadata,
      })),
      { expectedStreamVersion: STREAM_DOES_NOT_EXIST },
    );
}

async function benchEmmettAppends(concurrency: number, total: number): Promise<number> {
  return withEmmettStore(concurrency, async (store) => {
    const append = emmettAppender(store, 1);
    await rate(Math.min(500, total), concurrency, append);
    return (await rate(total, concurrency, append)).perSecond;
  });
}

/**
 * A read model with one upsert per event (a row per incident), as Emmett's raw SQL projection:
 * its projector runs the statements of a pulled batch and stores its checkpoint per event, in one
 * transaction per batch.
 */
function incidentsProjection() {
  return postgreSQLRawSQLProjection<StrikeReported, StrikeReported>({
    name: 'bench_incidents',
    canHandle: ['StrikeReported'],
    // Handed the recorded event: its metadata carries the stream's name.
    evolve: (event) => {
      const text = (value: unknown): string => (typeof value === 'string' ? value : '');
      return SQL`insert into bench_emmett_incidents (stream_name, summary, events)
                 values (${text(event.metadata.streamName)}, ${text(event.data.summary)}, 1)
                 on conflict (stream_name) do update
                 set summary = excluded.summary, events = bench_emmett_incidents.events + 1`;
    },
  });
}

/** Rebuilds the projection from the start of the log with the tuned pull: events/s. */
async function rebuildEmmettProjection(url: string, options: EmmettOptions): Promise<number> {
  const consumer = rebuildPostgreSQLProjections<StrikeReported>({
    connectionString: url,
    projections: [incidentsProjection()],
    pulling: {
      batchSize: options.pullBatchSize,
      pullingFrequencyInMs: options.pullingFrequencyInMs,
    },
  });
  const started = process.hrtime.bigint();
  await consumer.start();
  const seconds = secondsSince(started);
  await consumer.close();
  return seconds;
}

/**
 * The projection over a log of `projectionEvents` events appended one call at a time (100 per
 * call, untimed): appended concurrently, its reader would pass over some of them (see
 * EmmettResult), and a rate over a partial delivery is no throughput figure.
 */
async function benchEmmettProjection(
  options: EmmettOptions,
): Promise<Pick<EmmettResult, 'projectionEventsPerSecond' | 'projectedEvents'>> {
  return withEmmettStore(2, async (store, url) => {
    const append = emmettAppender(store, options.eventsPerCall);
    for (let i = 0; i < Math.ceil(options.projectionEvents / options.eventsPerCall); i++)
      await append(i);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        'create table bench_emmett_incidents (stream_name text primary key, summary text not null, events int not null)',
      );
      const seconds = await rebuildEmmettProjection(url, options);
      const { rows } = await client.query<{ projected: string; stored: string }>(
        `select (select coalesce(sum(events), 0) from bench_emmett_incidents) as projected,
                (select count(*) from emt_messages) as stored`,
      );
      const projected = Number(rows[0]!.projected);
      if (projected !== Number(rows[0]!.stored))
        throw new Error(`Emmett's projector handled ${projected} of ${rows[0]!.stored} events`);
      return { projectionEventsPerSecond: projected / seconds, projectedEvents: projected };
    } finally {
      await client.end();
    }
  });
}

/** Appends of 100 events to a new stream per call, from `batchConcurrency` workers: events/s. */
async function benchEmmettBatch(options: EmmettOptions): Promise<number> {
  return withEmmettStore(options.batchConcurrency, async (store) => {
    const append = emmettAppender(store, options.eventsPerCall);
    const warmUp = Math.min(options.batchConcurrency * 2, options.batchCalls);
    await rate(warmUp, options.batchConcurrency, append);
    const batch = await rate(options.batchCalls, options.batchConcurrency, append);
    return batch.perSecond * options.eventsPerCall;
  });
}

export async function benchEmmett(options: EmmettOptions): Promise<EmmettResult> {
  const appends: Record<string, number> = {};
  for (const { concurrency, total } of options.appends)
    appends[String(concurrency)] = await benchEmmettAppends(concurrency, total);
  const batchEventsPerSecond = await benchEmmettBatch(options);
  return { appends, batchEventsPerSecond, ...(await benchEmmettProjection(options)) };
}

/** "1:4000,16:20000" → [{ concurrency: 1, total: 4000 }, …] */
export function parseAppends(spec: string): EmmettOptions['appends'] {
  return spec.split(',').map((pair) => {
    const [concurrency, total] = pair.split(':').map(Number);
    if (!concurrency || !total) throw new Error(`--appends wants c:total,…, got "${spec}"`);
    return { concurrency, total };
  });
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  benchEmmett({
    appends: parseAppends(flagValue(argv, '--appends') ?? '1:4000,16:20000,64:20000'),
    batchCalls: Number(flagValue(argv, '--batch-calls') ?? 400),
    eventsPerCall: 100,
    batchConcurrency: Number(flagValue(argv, '--batch-concurrency') ?? 16),
    projectionEvents: Number(flagValue(argv, '--projection-events') ?? 100_000),
    pullBatchSize: Number(flagValue(argv, '--pull-batch') ?? 1000),
    pullingFrequencyInMs: 1,
  })
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      // Emmett's processors register shutdown hooks that keep nothing open, but be explicit.
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
}
