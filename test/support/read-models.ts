/**
 * In-process helpers for specs of the read side: send commands through the real command
 * processor, run projections with runners of chosen batch sizes, read every read model, dump
 * tables for byte-for-byte comparison.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, Store } from '../../src/database';
import {
  ensureProjection,
  ProjectionProgress,
  ProjectionRunner,
  resetProjection,
  type Projection,
} from '../../src/event-store';
import {
  queryCasualties,
  queryIncidentCounts,
  queryPrisoners,
  querySanctions,
  queryStrikes,
} from '../../src/projections/tallies/tallies.queries';
import { queryTimeline } from '../../src/projections/timeline/timeline.queries';
import {
  type CommandProcessor,
  createCommand,
  validateCommand,
  type CommandName,
  type CommandResult,
} from '../../src/timeline';
import type { IncidentFilter } from '../../src/projections/read-filter';
import {
  filtered,
  occurredMs,
  refCasualties,
  refIncidentCounts,
  refPrisoners,
  refSanctions,
  refStrikes,
  refTimeline,
  type RefFilter,
  type RefIncident,
  type SentCommand,
} from './reference';

type Json = Record<string, any>;

/** The groupings every comparison reads. */
export const STRIKE_GROUPINGS: readonly (readonly string[])[] = [
  ['attacker', 'weaponKind'],
  ['region'],
  ['month', 'attacker'],
  ['weaponKind', 'region', 'month'],
  ['attacker', 'weaponKind', 'region', 'month'],
];
export const CASUALTY_GROUPINGS: readonly (readonly string[])[] = [
  ['country', 'region'],
  ['month'],
  ['region', 'month', 'country'],
];

/** The names of a projection's tables (a list, or a record of them). */
export function tablesOf(projection: Projection): string[] {
  return Object.values(projection.tables as unknown as Record<string, string>);
}

/** Every row of every table of a projection, as PostgreSQL's text of the row, sorted. */
export async function dumpTables(
  db: Kysely<Database>,
  projection: Projection,
): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of tablesOf(projection)) {
    const result = await sql<{
      row: string;
    }>`select t::text as row from ${sql.table(table)} t`.execute(db);
    dump[table] = result.rows.map((r) => r.row).sort();
  }
  return dump;
}

/** Empties the log and the read models, and starts the projections from the beginning. */
export async function emptyStore(db: Kysely<Database>, projections: readonly Projection[]) {
  await db.transaction().execute(async (trx) => {
    await sql`truncate table event_store.events, event_store.streams`.execute(trx);
    for (const projection of projections) await resetProjection(trx, projection);
  });
}

/** Registers projections and makes a runner of each with the given batch size. */
export async function runnersFor(
  store: Store,
  projections: readonly Projection[],
  batchSize: number,
): Promise<ProjectionRunner[]> {
  const progress = new ProjectionProgress();
  for (const projection of projections) await ensureProjection(store.db, projection);
  return projections.map((p) => new ProjectionRunner(store, p, progress, { batchSize }));
}

/** Sends a group of commands (one, or a batch); every one must be accepted. */
export async function send(
  processor: CommandProcessor,
  commands: readonly SentCommand[],
  n = 0,
): Promise<CommandResult[]> {
  const built = commands.map((c, i) => {
    const validation = validateCommand(c.name as CommandName, c.body);
    if (!validation.ok)
      throw new Error(
        `command ${c.name} is invalid: ${JSON.stringify(validation.errors)} in ${JSON.stringify(c.body)}`,
      );
    return createCommand(validation.value, {
      actor: 'property',
      requestId: `request-${n}-${i}`,
      correlationId: `history-${n}`,
    });
  });
  try {
    return await processor.execute(built, { batch: commands.length > 1 });
  } catch (error) {
    throw new Error(
      `commands rejected: ${error instanceof Error ? error.message : String(error)} ${JSON.stringify(
        (error as { errors?: unknown }).errors ?? '',
      )} in ${JSON.stringify(commands)}`,
    );
  }
}

/** The last position of each incident's stream, from command results. */
export function positionsOf(results: readonly CommandResult[]): Map<string, number> {
  const positions = new Map<string, number>();
  for (const r of results)
    for (const e of r.events)
      positions.set(r.incidentId, Math.max(positions.get(r.incidentId) ?? 0, e.position));
  return positions;
}

function timelineView(items: readonly Json[]): Json[] {
  return items.map(({ recordedAt: _r, updatedAt: _u, ...item }) => ({
    ...item,
    location: {
      ...item.location,
      regions: (item.location.regions as { code: string }[]).map((r) => r.code),
    },
  }));
}

/** A read's filters as the queries take them (dates as Kyiv days), and asOf. */
export interface ReadFilter extends RefFilter {
  asOf?: Date;
}

const DAY_MS = 24 * 3600_000;

function incidentFilter(f: ReadFilter): IncidentFilter {
  const filter: IncidentFilter = {};
  if (f.from !== undefined) filter.from = new Date(occurredMs(f.from));
  if (f.to !== undefined) filter.to = new Date(occurredMs(f.to) + DAY_MS);
  if (f.country !== undefined) filter.country = f.country;
  if (f.region !== undefined) filter.region = f.region;
  if (f.party !== undefined) filter.party = f.party;
  if (f.asOf !== undefined) filter.asOf = f.asOf;
  return filter;
}

// Which agreements a filtered prisoners read lists is the service's own choice (those matching,
// and those the matching exchanges fulfil): compared only unfiltered.
function hasFilter(f: ReadFilter): boolean {
  return ['from', 'to', 'country', 'region', 'party'].some((k) => k in f);
}

/** What every read of the read models answers, comparable with {@link expectedReads}. */
export async function actualReads(db: Kysely<Database>, f: ReadFilter = {}): Promise<Json> {
  const filter = incidentFilter(f);
  const timeline = async (includeRetracted: boolean) =>
    timelineView(
      (await queryTimeline(db, { ...filter, includeRetracted, order: 'asc', limit: 500 })).items,
    );
  const prisoners = await queryPrisoners(db, filter);
  return {
    timeline: await timeline(false),
    timelineWithRetracted: await timeline(true),
    strikes: await Promise.all(STRIKE_GROUPINGS.map((g) => queryStrikes(db, filter, g))),
    casualties: await Promise.all(CASUALTY_GROUPINGS.map((g) => queryCasualties(db, filter, g))),
    prisoners: hasFilter(f) ? prisoners.totals : prisoners,
    sanctions: await querySanctions(db, filter),
    incidents: await queryIncidentCounts(db, filter, []),
    incidentsByMonth: await queryIncidentCounts(db, filter, ['month']),
  };
}

/** What the reference model says every read must answer. */
export function expectedReads(
  all: ReadonlyMap<string, RefIncident>,
  positions: ReadonlyMap<string, number>,
  f: ReadFilter = {},
): Json {
  const incidents = filtered(all, f);
  const withPositions = (items: Json[]) =>
    items.map((i) => ({ ...i, position: positions.get(i.incidentId as string) }));
  const prisoners = refPrisoners(incidents);
  return {
    timeline: withPositions(refTimeline(incidents, { includeRetracted: false })),
    timelineWithRetracted: withPositions(refTimeline(incidents, { includeRetracted: true })),
    strikes: STRIKE_GROUPINGS.map((g) => refStrikes(incidents, g)),
    casualties: CASUALTY_GROUPINGS.map((g) => refCasualties(incidents, g)),
    prisoners: hasFilter(f) ? prisoners.totals : prisoners,
    sanctions: refSanctions(incidents),
    incidents: refIncidentCounts(incidents, []),
    incidentsByMonth: refIncidentCounts(incidents, ['month']),
  };
}

/** Catches every runner up, one after the other (as far as the log is readable now). */
export async function catchUpAll(runners: readonly ProjectionRunner[]): Promise<void> {
  for (const runner of runners) await runner.catchUp();
}

/** Catches every runner up with every event appended so far. */
export async function catchUpFully(
  db: Kysely<Database>,
  runners: readonly ProjectionRunner[],
): Promise<void> {
  await logReadable(db);
  await catchUpAll(runners);
}

/** Each event's recorded_at in microseconds since the epoch, by event id. */
export async function recordedMicros(db: Kysely<Database>): Promise<Map<string, number>> {
  const result = await sql<{
    event_id: string;
    us: number;
  }>`select event_id, (extract(epoch from recorded_at) * 1000000)::bigint as us from event_store.events`.execute(
    db,
  );
  return new Map(result.rows.map((r) => [r.event_id, Number(r.us)]));
}

/**
 * Waits until every event in the log is safe to read. Readers of the log stop below the oldest
 * transaction still in flight anywhere in the PostgreSQL cluster (transaction ids are
 * cluster-wide), so a long transaction of another session — another spec on the same server —
 * holds them back even though every append of this spec has committed. `catchUp` stops when the
 * readable log is exhausted: called after this, it processes every event. (A condition polled
 * with a deadline, not a sleep; on PGlite it returns at once.)
 */
export async function logReadable(db: Kysely<Database>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ held: number }>`
      select count(*) as held from event_store.events
       where transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
    if (Number(rows[0]!.held) === 0) return;
    if (Date.now() > deadline) {
      const blockers = await sql`
        select datname, application_name, state, xact_start, left(query, 100) as query
          from pg_stat_activity where backend_xid is not null or backend_xmin is not null`.execute(
        db,
      );
      throw new Error(
        `${rows[0]!.held} events still unreadable after ${timeoutMs} ms; transactions in flight: ${JSON.stringify(blockers.rows)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
