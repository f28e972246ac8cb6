import { CompiledQuery, sql, type Kysely, type LogEvent } from 'kysely';
import pg from 'pg';
import { openStore, type Database } from '../src/database';
import {
  queryCasualties,
  queryIncidentCounts,
  queryPrisoners,
  querySanctions,
  queryStrikes,
} from '../src/projections/tallies/tallies.queries';
import { queryTimeline } from '../src/projections/timeline/timeline.queries';
import { kyivDayRange } from '../src/timeline/time';
import { percentile, rate } from './harness';

// Reads of every kind against a built data set: p50/p99 and the sequential scans of big tables
// in their plans.

interface ReadCase {
  name: string;
  run: (db: Kysely<Database>) => Promise<unknown>;
}

/** Reads of every kind; `midLog` is an instant half way through the log's recording. */
function readCases(midLog: Date): ReadCase[] {
  const may = kyivDayRange('2024-05-01', '2024-05-31');
  const asOf = new Date(Date.now() - 1000);
  const filter = { ...(may.start ? { from: may.start } : {}), ...(may.end ? { to: may.end } : {}) };
  return [
    {
      name: 'timeline: first page (50)',
      run: (db) => queryTimeline(db, { includeRetracted: false, order: 'asc', limit: 50 }),
    },
    {
      name: 'timeline: region UA-30, a month, desc',
      run: (db) =>
        queryTimeline(db, {
          ...filter,
          region: 'UA-30',
          includeRetracted: false,
          order: 'desc',
          limit: 50,
        }),
    },
    {
      name: 'timeline: q=drones Kyiv',
      run: (db) =>
        queryTimeline(db, { q: 'drones Kyiv', includeRetracted: false, order: 'asc', limit: 50 }),
    },
    {
      name: 'timeline: party RU, type StrikeReported',
      run: (db) =>
        queryTimeline(db, {
          party: 'RU',
          types: ['StrikeReported'],
          includeRetracted: false,
          order: 'asc',
          limit: 50,
        }),
    },
    { name: 'tally: prisoners', run: (db) => queryPrisoners(db, {}) },
    {
      name: 'tally: strikes (attacker, weaponKind)',
      run: (db) => queryStrikes(db, {}, ['attacker', 'weaponKind']),
    },
    { name: 'tally: strikes by month, a month', run: (db) => queryStrikes(db, filter, ['month']) },
    {
      name: 'tally: casualties (country, region)',
      run: (db) => queryCasualties(db, {}, ['country', 'region']),
    },
    { name: 'tally: sanctions', run: (db) => querySanctions(db, {}) },
    { name: 'tally: incidents by month', run: (db) => queryIncidentCounts(db, {}, ['month']) },
    {
      name: 'asOf: timeline first page',
      run: (db) => queryTimeline(db, { asOf, includeRetracted: false, order: 'asc', limit: 50 }),
    },
    {
      name: 'asOf: strikes tally',
      run: (db) => queryStrikes(db, { asOf }, ['attacker', 'weaponKind']),
    },
    {
      name: 'asOf mid-log: strikes tally',
      run: (db) => queryStrikes(db, { asOf: midLog }, ['attacker', 'weaponKind']),
    },
    {
      name: 'asOf mid-log: casualties by month',
      run: (db) => queryCasualties(db, { asOf: midLog }, ['month']),
    },
    { name: 'asOf mid-log: prisoners', run: (db) => queryPrisoners(db, { asOf: midLog }) },
    {
      name: 'asOf mid-log: timeline, party RU',
      run: (db) =>
        queryTimeline(db, {
          asOf: midLog,
          party: 'RU',
          includeRetracted: false,
          order: 'asc',
          limit: 50,
        }),
    },
  ];
}

// The tables that grow with the log; the sums and snapshot tables grow with groups instead.
const BIG_TABLES =
  /^(events|timeline|tally_incidents|tally_weapons|tally_casualties|tally_released)$/;

function seqScans(plan: unknown, found: string[] = []): string[] {
  if (Array.isArray(plan)) for (const p of plan) seqScans(p, found);
  else if (plan && typeof plan === 'object') {
    const node = plan as Record<string, unknown>;
    if (
      node['Node Type'] === 'Seq Scan' &&
      typeof node['Relation Name'] === 'string' &&
      BIG_TABLES.test(node['Relation Name'])
    ) {
      found.push(node['Relation Name']);
    }
    for (const value of Object.values(node)) if (typeof value === 'object') seqScans(value, found);
  }
  return found;
}

export interface ReadFigure {
  name: string;
  p50: number;
  p99: number;
  /** The same statements through a bare pg client (reads whose p50 is at most BARE_UP_TO_MS). */
  bareP50?: number;
  bareP99?: number;
  seqScans: string[];
}

// Reads slower than this (the asOf ones) spend their time in PostgreSQL: no bare baseline.
const BARE_UP_TO_MS = 20;

/** Milliseconds per call, one call at a time, after 5 calls of warm-up. */
async function timed(samples: number, call: () => Promise<unknown>): Promise<number[]> {
  await rate(5, 1, call);
  return (await rate(samples, 1, call)).latencies;
}

export async function measureReads(url: string, samples: number) {
  const captured: LogEvent[] = [];
  const store = await openStore({ databaseUrl: url, poolSize: 4 });
  const { Kysely: KyselyClass, PostgresDialect } = await import('kysely');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // Dropping the bench database terminates idle sessions: that is expected, not a crash.
  pool.on('error', () => undefined);
  const logged = new KyselyClass<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => void captured.push(e),
  });
  // The baseline: each fast read's statements, as captured, through a bare pg client (no query
  // builder, no row mapping), timed the same way in the same run. Unnamed statements, as the
  // reads send them. JIT off, as the store's sessions have it.
  const bare = new pg.Client({ connectionString: url, options: '-c jit=off' });
  await bare.connect();
  bare.on('error', () => undefined);
  const results: ReadFigure[] = [];
  const middle = await sql<{ recorded_at: Date }>`
    select recorded_at from event_store.events
     order by position offset (select count(*) / 2 from event_store.events) limit 1`.execute(
    store.db,
  );
  for (const c of readCases(new Date(middle.rows[0]!.recorded_at))) {
    captured.length = 0;
    await c.run(logged);
    const scans: string[] = [];
    for (const event of captured.filter((e) => /^\s*(select|with)\b/i.test(e.query.sql))) {
      const explain = await store.db.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (format json) ${event.query.sql}`, [...event.query.parameters]),
      );
      scans.push(...seqScans(explain.rows[0]?.['QUERY PLAN']));
    }
    const times = await timed(samples, () => c.run(store.db));
    const statements = captured.map((e) => ({
      text: e.query.sql,
      values: [...e.query.parameters],
    }));
    const p50 = percentile(times, 50);
    const bareTimes =
      p50 <= BARE_UP_TO_MS
        ? await timed(samples, async () => {
            for (const statement of statements) await bare.query(statement);
          })
        : undefined;
    results.push({
      name: c.name,
      p50,
      p99: percentile(times, 99),
      ...(bareTimes
        ? { bareP50: percentile(bareTimes, 50), bareP99: percentile(bareTimes, 99) }
        : {}),
      seqScans: [...new Set(scans)],
    });
  }
  await bare.end();
  await logged.destroy();
  await store.close();
  return results;
}
