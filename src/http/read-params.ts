import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncidentFilter } from '../projections/read-filter';
import type { ProjectionsService } from '../projections/projections.service';
import {
  countryProblem,
  isCalendarDate,
  kyivDayRange,
  partyProblem,
  resolveRegion,
} from '../timeline';
import { validationProblem } from './problem/problem';
import type { QueryReader } from './query';

/** Query parameters every projection read takes. */
export const COMMON_READ_PARAMS = [
  'from',
  'to',
  'country',
  'region',
  'party',
  'asOf',
  'minPosition',
  'waitMs',
] as const;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Reads from, to, country, region (code or name), party and asOf. */
export function readIncidentFilter(reader: QueryReader): IncidentFilter {
  const filter: IncidentFilter = {};
  const from = reader.text('from');
  const to = reader.text('to');
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && !isCalendarDate(value))
      reader.fail(name, 'must be a date (YYYY-MM-DD)');
  }
  if (from && to && isCalendarDate(from) && isCalendarDate(to) && to < from)
    reader.fail('to', 'must not be before from');
  const range = kyivDayRange(
    from && isCalendarDate(from) ? from : undefined,
    to && isCalendarDate(to) ? to : undefined,
  );
  if (range.start) filter.from = range.start;
  if (range.end) filter.to = range.end;
  const country = reader.text('country');
  if (country !== undefined) {
    const problem = countryProblem(country);
    if (problem) reader.fail('country', problem);
    else filter.country = country;
  }
  const region = reader.text('region');
  if (region !== undefined) {
    const lookup = resolveRegion(region);
    if (!lookup.ok) reader.fail('region', lookup.message);
    else filter.region = lookup.region.code;
  }
  const party = reader.text('party');
  if (party !== undefined) {
    const problem = partyProblem(party);
    if (problem) reader.fail('party', problem);
    else filter.party = party;
  }
  const asOf = reader.text('asOf');
  if (asOf !== undefined) {
    if (!DATE_TIME.test(asOf) || Number.isNaN(Date.parse(asOf))) {
      reader.fail('asOf', 'must be a date-time with an offset (e.g. 2025-05-24T12:00:00Z)');
    } else filter.asOf = new Date(asOf);
  }
  return filter;
}

/** minPosition and waitMs (0..10000, default 0). */
export interface FreshnessParams {
  minPosition?: number;
  waitMs: number;
}

/** Reads minPosition and waitMs. */
export function readFreshness(reader: QueryReader): FreshnessParams {
  const minPosition = reader.integer('minPosition', undefined, 1, Number.MAX_SAFE_INTEGER);
  const waitMs = reader.integer('waitMs', 0, 0, 10_000);
  return minPosition === undefined ? { waitMs } : { minPosition, waitMs };
}

/** `meta` of every read. */
export interface ReadMeta {
  position: number;
  stale: boolean;
  asOf?: string;
}

/**
 * Waits for the projection to reach minPosition (if asked), then gives the position it has
 * processed — read before the data, so the data holds at least that much.
 */
export async function freshness(
  projections: ProjectionsService,
  name: string,
  params: FreshnessParams,
  asOf: Date | undefined,
): Promise<ReadMeta> {
  let stale = false;
  if (params.minPosition !== undefined) {
    const outcome = await projections.waitFor(name, params.minPosition, params.waitMs);
    if (!outcome.ok) {
      throw validationProblem([
        { path: 'minPosition', message: `no event has position ${params.minPosition}` },
      ]);
    }
    stale = outcome.stale;
  }
  return {
    position: projections.position(name),
    stale,
    ...(asOf ? { asOf: asOf.toISOString() } : {}),
  };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV (RFC 4180): a header row, then one line per row; nested values JSON-encoded. */
export function toCsv(
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): string {
  const header = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(header.map((key) => csvCell(row[key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** True when the client asked for CSV. */
export function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /\btext\/csv\b/i.test(accept);
}

/**
 * Answers JSON, or CSV of `rows` when the client asked for it (meta then travels in the
 * X-Position, X-Stale and X-As-Of headers, and nextCursor in X-Next-Cursor).
 */
export function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown> & { meta: ReadMeta },
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): unknown {
  if (!wantsCsv(request)) return body;
  void reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('x-position', String(body.meta.position))
    .header('x-stale', String(body.meta.stale));
  if (body.meta.asOf) void reply.header('x-as-of', body.meta.asOf);
  if (typeof body.nextCursor === 'string') void reply.header('x-next-cursor', body.nextCursor);
  return toCsv(rows, columns);
}
