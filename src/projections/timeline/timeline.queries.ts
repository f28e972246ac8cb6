import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Database } from '../../database';
import { regionName } from '../../timeline';
import { incidentConditions, type IncidentFilter } from '../read-filter';
import type { TimelineTable } from './timeline.table';

/** A timeline read: the common filters plus the timeline's own. */
export interface TimelineQuery extends IncidentFilter {
  types?: string[];
  tag?: string;
  q?: string;
  includeRetracted: boolean;
  order: 'asc' | 'desc';
  limit: number;
  /** Keyset position: the last item of the previous page. */
  after?: { occurredAt: Date; incidentId: string };
}

/** An incident as the timeline shows it. */
export interface TimelineItem {
  incidentId: string;
  type: string;
  occurredAt: string;
  occurredUntil: string | null;
  precision: 'day' | 'instant';
  location: { country: string; regions: { code: string; name: string }[]; place: string | null };
  summary: string;
  sources: unknown;
  tags: string[];
  details: Record<string, unknown>;
  status: 'reported' | 'corrected' | 'retracted';
  version: number;
  recordedAt: string;
  updatedAt: string;
  position: number;
}

const COLUMNS = [
  'incident_id',
  'version',
  'type',
  'status',
  'occurred_at',
  'occurred_until',
  'precision',
  'country',
  'location_regions',
  'place',
  'summary',
  'sources',
  'tags',
  'details',
  'recorded_at',
  'updated_at',
  'position',
] as const;

type Row = Pick<Selectable<TimelineTable>, (typeof COLUMNS)[number]>;

function toItem(row: Row): TimelineItem {
  return {
    incidentId: row.incident_id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    occurredUntil: row.occurred_until ? row.occurred_until.toISOString() : null,
    precision: row.precision,
    location: {
      country: row.country,
      regions: row.location_regions.map((code) => ({ code, name: regionName(code) ?? code })),
      place: row.place,
    },
    summary: row.summary,
    sources: row.sources,
    tags: row.tags,
    details: row.details,
    status: row.status,
    version: row.version,
    recordedAt: row.recorded_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    position: Number(row.position),
  };
}

/** One page of the timeline, in occurredAt order (ties by incidentId), and whether more follow. */
export async function queryTimeline(
  db: Kysely<Database>,
  query: TimelineQuery,
): Promise<{ items: TimelineItem[]; last?: { occurredAt: Date; incidentId: string } }> {
  const rows = await db
    .selectFrom('read_model.timeline')
    .select(COLUMNS)
    .where((eb) => {
      const conditions: Expression<SqlBool>[] = incidentConditions('read_model.timeline', query);
      if (query.types && query.types.length > 0) conditions.push(eb('type', 'in', query.types));
      if (query.tag) conditions.push(sql<SqlBool>`tags @> array[${query.tag}]::text[]`);
      if (query.q) conditions.push(sql<SqlBool>`search @@ plainto_tsquery('simple', ${query.q})`);
      if (!query.includeRetracted) conditions.push(eb('status', '<>', 'retracted'));
      if (query.after) {
        const at = query.after.occurredAt.toISOString();
        conditions.push(
          query.order === 'asc'
            ? sql<SqlBool>`(occurred_at, incident_id) > (${at}::timestamptz, ${query.after.incidentId}::uuid)`
            : sql<SqlBool>`(occurred_at, incident_id) < (${at}::timestamptz, ${query.after.incidentId}::uuid)`,
        );
      }
      return eb.and(conditions);
    })
    .orderBy('occurred_at', query.order)
    .orderBy('incident_id', query.order)
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const lastRow = page[page.length - 1];
  return {
    items: page.map(toItem),
    ...(rows.length > query.limit && lastRow
      ? { last: { occurredAt: lastRow.occurred_at, incidentId: lastRow.incident_id } }
      : {}),
  };
}

/** One incident (current, or as of an instant), or undefined. */
export async function queryIncident(
  db: Kysely<Database>,
  incidentId: string,
  asOf?: Date,
): Promise<TimelineItem | undefined> {
  const row = await db
    .selectFrom('read_model.timeline')
    .select(COLUMNS)
    .where('incident_id', '=', incidentId)
    .where((eb) => eb.and(incidentConditions('read_model.timeline', asOf ? { asOf } : {})))
    .executeTakeFirst();
  return row && toItem(row);
}
