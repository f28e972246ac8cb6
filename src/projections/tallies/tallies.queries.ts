import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../database';
import { incidentConditions, type IncidentFilter } from '../read-filter';
import { talliesProjection } from './tallies.projection';
import { kyivMonth } from '../../timeline/time';
import {
  CASUALTY_SUMS,
  COUNTS,
  linesOf,
  readMonthWindowSums,
  readSums,
  STRIKE_SUMS,
  type MonthWindow,
  type SumsKind,
} from './tally-sums';

/** The tallies a client can ask for. */
export const TALLY_NAMES = [
  'prisoners',
  'strikes',
  'casualties',
  'sanctions',
  'incidents',
] as const;
export type TallyName = (typeof TALLY_NAMES)[number];

/** groupBy keys each tally accepts, and its default grouping. */
export const TALLY_GROUPS: Record<
  TallyName,
  { keys: readonly string[]; default: readonly string[] }
> = {
  prisoners: { keys: [], default: [] },
  strikes: {
    keys: ['attacker', 'weaponKind', 'region', 'month'],
    default: ['attacker', 'weaponKind'],
  },
  casualties: { keys: ['country', 'region', 'month'], default: ['country', 'region'] },
  sanctions: { keys: [], default: [] },
  incidents: { keys: ['month'], default: [] },
};

type Row = Record<string, unknown>;

const LIVE_TABLES = talliesProjection.tables;

/**
 * Whether the kept sums answer a filter: they count every incident, now or as of an instant,
 * so only filters that pick incidents need the lines aggregated.
 */
function summed(filter: IncidentFilter): boolean {
  return !filter.from && !filter.to && !filter.country && !filter.region && !filter.party;
}

/**
 * When a filter picks incidents by date only, over whole Kyiv months (either end may be open),
 * the window of months the sums answer it from.
 */
function monthWindow(filter: IncidentFilter): MonthWindow | undefined {
  if (filter.asOf || filter.country || filter.region || filter.party) return undefined;
  if (!filter.from && !filter.to) return undefined;
  const before = (at: Date) => new Date(at.getTime() - 1);
  const startsMonth = (at: Date) => kyivMonth(before(at)) !== kyivMonth(at);
  if (filter.from && !startsMonth(filter.from)) return undefined;
  if (filter.to && !startsMonth(filter.to)) return undefined;
  return {
    ...(filter.from ? { from: filter.from, firstMonth: kyivMonth(filter.from) } : {}),
    ...(filter.to ? { lastMonth: kyivMonth(before(filter.to)) } : {}),
  };
}

/** How the kept sums answer a filter (now or as of an instant, or over whole months), if they do. */
function sumsAnswer(
  filter: IncidentFilter,
): { asOf: Date | undefined } | { window: MonthWindow } | undefined {
  if (summed(filter)) return { asOf: filter.asOf };
  const window = monthWindow(filter);
  return window && { window };
}

/** The sums' grouping mask of a groupBy (SQL's grouping(): a bit set for each key left out). */
function maskOf(groupBy: readonly string[], all: readonly string[]): number {
  return all.reduce(
    (mask, key, n) => (groupBy.includes(key) ? mask : mask | (1 << (all.length - 1 - n))),
    0,
  );
}

/** Rows of the sums for a groupBy and for the totals, keys named, on one snapshot. */
async function groupedSums(
  db: Kysely<Database>,
  kind: SumsKind,
  all: readonly string[],
  groupBy: readonly string[],
  answer: { asOf: Date | undefined } | { window: MonthWindow },
): Promise<{ rows: Row[]; totals: Row | undefined }> {
  const mask = maskOf(groupBy, all);
  const totalMask = maskOf([], all);
  const masks = [...new Set([mask, totalMask])];
  const orderBy = groupBy.map((key) => all.indexOf(key) + 1);
  const found = await onOneSnapshot(db, (trx) =>
    'window' in answer
      ? readMonthWindowSums(
          trx,
          LIVE_TABLES,
          kind,
          answer.window,
          { month: all.indexOf('month') + 1, count: all.length },
          masks,
          orderBy,
        )
      : readSums(trx, LIVE_TABLES, kind, { masks }, orderBy, answer.asOf),
  );
  const named = (row: Row): Row => {
    const keys = row.keys as (string | null)[];
    const out: Row = {};
    for (const key of groupBy) out[key] = keys[all.indexOf(key)] ?? null;
    return { ...out, figures: row };
  };
  return {
    rows: found.filter((r) => Number(r.mask) === mask).map(named),
    totals: found.find((r) => Number(r.mask) === totalMask),
  };
}

/** A summed figure: null when no line gives it. */
function figure(row: Row, column: string): number | null {
  return Number(row[`${column}_lines`]) > 0 ? Number(row[column]) : null;
}

function strikeFigures(row: Row): Row {
  const bothLaunched = Number(row.both_launched);
  return {
    strikes: Number(row.strikes),
    launched: figure(row, 'launched'),
    intercepted: figure(row, 'intercepted'),
    interceptionRate: bothLaunched > 0 ? Number(row.both_intercepted) / bothLaunched : null,
  };
}

function casualtyFigures(row: Row): Row {
  return {
    killed: figure(row, 'killed'),
    injured: figure(row, 'injured'),
    atLeast: Number(row.at_least_lines) > 0,
  };
}

/** Rows of the counts of some kinds, ordered by kind and keys, on one snapshot. */
function countSums(
  db: Kysely<Database>,
  kinds: readonly string[],
  asOf: Date | undefined,
): Promise<Row[]> {
  return onOneSnapshot(db, (trx) => readSums(trx, LIVE_TABLES, COUNTS, { kinds }, [1, 2, 3], asOf));
}

function where(filter: IncidentFilter): RawBuilder<SqlBool> {
  const conditions = incidentConditions('i', filter);
  return sql<SqlBool>`${sql.join(conditions, sql` and `)}`;
}

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** The sums' key order of each tally (tally_strike_sums and tally_casualty_sums `keys`). */
const STRIKE_ORDER = ['attacker', 'weaponKind', 'region', 'month'];
const CASUALTY_ORDER = ['country', 'region', 'month'];

const STRIKE_KEYS: Record<string, RawBuilder<unknown>> = {
  attacker: sql`w.attacker`,
  weaponKind: sql`w.weapon_kind`,
  region: sql`w.region`,
  month: sql`i.month`,
};

const CASUALTY_KEYS: Record<string, RawBuilder<unknown>> = {
  country: sql`i.country`,
  region: sql`c.region`,
  month: sql`i.month`,
};

function selectKeys(
  keys: readonly string[],
  expressions: Record<string, RawBuilder<unknown>>,
): RawBuilder<unknown>[] {
  return keys.map((key) => sql`${expressions[key]!} as ${sql.id(key)}`);
}

function groupAndOrder(
  keys: readonly string[],
  expressions: Record<string, RawBuilder<unknown>>,
): RawBuilder<unknown> {
  if (keys.length === 0) return sql``;
  const list = keys.map((key) => expressions[key]!);
  return sql`group by ${sql.join(list)} order by ${sql.join(list.map((e) => sql`${e} asc nulls last`))}`;
}

/**
 * Runs a tally's queries on one snapshot of the read model, so that its rows, totals and
 * agreements describe the same state even while projection batches commit between them.
 */
function onOneSnapshot<T>(
  db: Kysely<Database>,
  read: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(read);
}

function rate(intercepted: unknown, launched: unknown): number | null {
  const l = num(launched);
  const i = num(intercepted);
  return l === null || i === null || l === 0 ? null : i / l;
}

/** Strikes grouped by any of attacker, weaponKind, region, month; plus totals. */
export async function queryStrikes(
  db: Kysely<Database>,
  filter: IncidentFilter,
  groupBy: readonly string[],
): Promise<{ rows: Row[]; totals: Row }> {
  const noStrikes = { strikes: 0, launched: null, intercepted: null, interceptionRate: null };
  const answer = sumsAnswer(filter);
  if (answer) {
    const sums = await groupedSums(db, STRIKE_SUMS, STRIKE_ORDER, groupBy, answer);
    return {
      rows: sums.rows.map(({ figures, ...keys }) => ({
        ...keys,
        ...strikeFigures(figures as Row),
      })),
      totals: sums.totals ? strikeFigures(sums.totals) : noStrikes,
    };
  }
  const run = async (trx: Kysely<Database>, keys: readonly string[]) => {
    const keyColumns = selectKeys(keys, STRIKE_KEYS);
    const result = await sql<Row>`
      select ${sql.join([
        ...keyColumns,
        sql`count(distinct w.incident_id) as strikes`,
        sql`sum(w.launched) as launched`,
        sql`sum(w.intercepted) as intercepted`,
        sql`sum(w.launched) filter (where w.launched is not null and w.intercepted is not null) as both_launched`,
        sql`sum(w.intercepted) filter (where w.launched is not null and w.intercepted is not null) as both_intercepted`,
      ])}
        from read_model.tally_incidents i ${linesOf('read_model.tally_weapons', 'w', 'i')}
       where ${where(filter)} and i.type = 'StrikeReported'
       ${groupAndOrder(keys, STRIKE_KEYS)}`.execute(trx);
    return result.rows.map((row) => {
      const out: Row = {};
      for (const key of keys) out[key] = row[key] ?? null;
      out.strikes = num(row.strikes) ?? 0;
      out.launched = num(row.launched);
      out.intercepted = num(row.intercepted);
      out.interceptionRate = rate(row.both_intercepted, row.both_launched);
      return out;
    });
  };
  const [rows, totals] = await onOneSnapshot(db, (trx) =>
    Promise.all([run(trx, groupBy), run(trx, [])]),
  );
  return {
    rows,
    totals: totals[0] ?? noStrikes,
  };
}

/** Casualty lines of strikes and casualty reports grouped by any of country, region, month; plus totals. */
export async function queryCasualties(
  db: Kysely<Database>,
  filter: IncidentFilter,
  groupBy: readonly string[],
): Promise<{ rows: Row[]; totals: Row }> {
  const noCasualties = { killed: null, injured: null, atLeast: false };
  const answer = sumsAnswer(filter);
  if (answer) {
    const sums = await groupedSums(db, CASUALTY_SUMS, CASUALTY_ORDER, groupBy, answer);
    return {
      rows: sums.rows.map(({ figures, ...keys }) => ({
        ...keys,
        ...casualtyFigures(figures as Row),
      })),
      totals: sums.totals ? casualtyFigures(sums.totals) : noCasualties,
    };
  }
  const run = async (trx: Kysely<Database>, keys: readonly string[]) => {
    const result = await sql<Row>`
      select ${sql.join([
        ...selectKeys(keys, CASUALTY_KEYS),
        sql`sum(c.killed) as killed`,
        sql`sum(c.injured) as injured`,
        sql`coalesce(bool_or(c.at_least), false) as at_least`,
      ])}
        from read_model.tally_incidents i ${linesOf('read_model.tally_casualties', 'c', 'i')}
       where ${where(filter)} and i.type in ('StrikeReported', 'CasualtiesReported')
       ${groupAndOrder(keys, CASUALTY_KEYS)}`.execute(trx);
    return result.rows.map((row) => {
      const out: Row = {};
      for (const key of keys) out[key] = row[key] ?? null;
      out.killed = num(row.killed);
      out.injured = num(row.injured);
      out.atLeast = row.at_least === true;
      return out;
    });
  };
  const [rows, totals] = await onOneSnapshot(db, (trx) =>
    Promise.all([run(trx, groupBy), run(trx, [])]),
  );
  return { rows, totals: totals[0] ?? noCasualties };
}

/** Sanctions warnings and impositions by issuer and target. */
export async function querySanctions(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<{ rows: Row[]; totals: Row }> {
  const counted = summed(filter)
    ? (await countSums(db, ['sanctions'], filter.asOf)).map((row) => {
        const [issuer, target, type] = row.keys as string[];
        return { issuer, target, type, count: Number(row.n) };
      })
    : (
        await sql<Row>`
          select i.issuer, i.target, i.type, count(*) as count
            from read_model.tally_incidents i
           where ${where(filter)} and i.type in ('SanctionsWarned', 'SanctionsImposed')
           group by i.issuer, i.target, i.type
           order by i.issuer asc nulls last, i.target asc nulls last`.execute(db)
      ).rows.map((row) => ({
        issuer: row.issuer,
        target: row.target,
        type: row.type,
        count: Number(row.count),
      }));
  const rows: { issuer: unknown; target: unknown; warnings: number; impositions: number }[] = [];
  for (const row of counted) {
    let last = rows[rows.length - 1];
    if (!last || last.issuer !== row.issuer || last.target !== row.target) {
      last = { issuer: row.issuer, target: row.target, warnings: 0, impositions: 0 };
      rows.push(last);
    }
    if (row.type === 'SanctionsWarned') last.warnings += row.count;
    else last.impositions += row.count;
  }
  return {
    rows,
    totals: {
      warnings: rows.reduce((n, r) => n + r.warnings, 0),
      impositions: rows.reduce((n, r) => n + r.impositions, 0),
    },
  };
}

/** Incidents counted by type (and month). */
export async function queryIncidentCounts(
  db: Kysely<Database>,
  filter: IncidentFilter,
  groupBy: readonly string[],
): Promise<{ rows: Row[]; totals: Row }> {
  const byMonth = groupBy.includes('month');
  const counted = summed(filter)
    ? (await countSums(db, ['incidents'], filter.asOf)).map((row) => {
        const [type, month] = row.keys as string[];
        return { type, month: byMonth ? month : null, count: Number(row.n) };
      })
    : (
        await sql<Row>`
          select i.type, ${byMonth ? sql`i.month` : sql`null`} as month, count(*) as count
            from read_model.tally_incidents i
           where ${where(filter)}
           group by i.type ${byMonth ? sql`, i.month` : sql``}
           order by i.type asc ${byMonth ? sql`, i.month asc` : sql``}`.execute(db)
      ).rows.map((row) => ({ type: row.type, month: row.month, count: Number(row.count) }));
  // Sums come per type and month: a count by type adds its months up.
  const rows: Row[] = [];
  for (const row of counted) {
    const last = rows[rows.length - 1];
    if (!byMonth && last && last.type === row.type) last.count = Number(last.count) + row.count;
    else rows.push(byMonth ? row : { type: row.type, count: row.count });
  }
  return { rows, totals: { count: rows.reduce((n, r) => n + Number(r.count), 0) } };
}

/** Prisoners released per party and each agreement's progress. */
export async function queryPrisoners(db: Kysely<Database>, filter: IncidentFilter): Promise<Row> {
  return onOneSnapshot(db, (trx) => prisoners(trx, filter));
}

/** Exchanges, released per party, and released per agreement and party. */
async function releasedCounts(
  db: Kysely<Database>,
  filter: IncidentFilter,
): Promise<{ exchanges: number; released: Row[]; byAgreement: Row[] }> {
  if (summed(filter)) {
    const rows = await readSums(
      db,
      LIVE_TABLES,
      COUNTS,
      { kinds: ['agreement_released', 'exchanges', 'released'] },
      [1, 2],
      filter.asOf,
    );
    const keys = (row: Row) => row.keys as string[];
    return {
      exchanges: Number(rows.find((r) => r.kind === 'exchanges')?.n ?? 0),
      released: rows
        .filter((r) => r.kind === 'released')
        .map((r) => ({ party: keys(r)[0], n: r.n })),
      byAgreement: rows
        .filter((r) => r.kind === 'agreement_released')
        .map((r) => ({ agreement_id: keys(r)[0], party: keys(r)[1], n: r.n })),
    };
  }
  const [exchanges, released, byAgreement] = await Promise.all([
    sql<Row>`select count(*) as n from read_model.tally_incidents i
              where ${where(filter)} and i.type = 'PrisonersExchanged'`.execute(db),
    sql<Row>`select r.party, sum(r.count) as n
               from read_model.tally_incidents i ${linesOf('read_model.tally_released', 'r', 'i')}
              where ${where(filter)} and i.type = 'PrisonersExchanged'
              group by r.party order by r.party`.execute(db),
    sql<Row>`select i.agreement_id, r.party, sum(r.count) as n
               from read_model.tally_incidents i ${linesOf('read_model.tally_released', 'r', 'i')}
              where ${where(filter)} and i.type = 'PrisonersExchanged' and i.agreement_id is not null
              group by i.agreement_id, r.party`.execute(db),
  ]);
  return {
    exchanges: num(exchanges.rows[0]?.n) ?? 0,
    released: released.rows,
    byAgreement: byAgreement.rows,
  };
}

async function prisoners(db: Kysely<Database>, filter: IncidentFilter): Promise<Row> {
  const { exchanges, released, byAgreement } = await releasedCounts(db, filter);
  const referenced = [...new Set(byAgreement.map((r) => String(r.agreement_id)))];
  // Agreements in view: those matching the filters, and those the matching exchanges fulfil.
  const validity = where(filter.asOf ? { asOf: filter.asOf } : {});
  const agreements = await sql<Row>`
    select i.incident_id, i.agreement_parties, i.total_per_side
      from read_model.tally_incidents i
     where i.type = 'PrisonerExchangeAgreed'
       and ((${where(filter)}) or (${validity} and i.incident_id = any(${referenced}::uuid[])))
     order by i.occurred_at, i.incident_id`.execute(db);
  const releasedBy: Record<string, number> = {};
  for (const row of released) releasedBy[String(row.party)] = num(row.n) ?? 0;
  return {
    totals: { exchanges, releasedBy },
    agreements: agreements.rows.map((a) => {
      const id = String(a.incident_id);
      const parties = (a.agreement_parties as string[] | null) ?? [];
      const total = num(a.total_per_side) ?? 0;
      const by: Record<string, number> = {};
      for (const row of byAgreement) {
        if (String(row.agreement_id) === id) by[String(row.party)] = num(row.n) ?? 0;
      }
      const smaller = parties.length > 0 ? Math.min(...parties.map((p) => by[p] ?? 0)) : 0;
      return {
        agreementId: id,
        parties,
        totalPerSide: total,
        releasedBy: by,
        progress: total > 0 ? smaller / total : null,
      };
    }),
  };
}
