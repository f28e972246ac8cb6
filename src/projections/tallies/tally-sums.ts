import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { RebuildCompletion } from '../../event-store';
import type { Database } from '../../database';
import { incidentConditions } from '../read-filter';
import {
  CASUALTY_MEASURES,
  casualtyChanges,
  COUNT_MEASURES,
  STRIKE_MEASURES,
  countChanges,
  seenAt,
  strikeChanges,
  type SumsRow,
  type VersionLines,
} from './tally-deltas';

/**
 * The tallies kept summed, so that an unfiltered tally reads a few hundred rows instead of
 * aggregating every line of the read model.
 *
 * A sums table holds, per grouping and group, what the counted incident versions add up to:
 * snapshot 0 now, snapshot k ≥ 1 as of the instant `recorded_until` of `tally_snapshots` (a
 * snapshot is taken every `snapshotEvery` incident versions, at the latest valid_from among
 * them). Every change is a signed set of incident versions (+1 counts, −1 no longer counts):
 * a batch's, summed in memory (tally-deltas.ts) from the rows it writes; a snapshot's and an
 * "as of" read's, aggregated in SQL over the versioned rows. The property test holds the two
 * to the same reference. "As of" T starts from the snapshot nearest in time to T and adds (or,
 * from one after T, subtracts) the versions that began or ended between the two instants.
 */

type Tables = Readonly<Record<string, string>>;
type Row = Record<string, unknown>;

/** A sums table: its grouping column, its summed columns (`lines` first), and its aggregate. */
export interface SumsKind {
  table: string;
  group: 'mask' | 'kind';
  measures: readonly string[];
  /** The incident types that have lines in it (all when absent). */
  types?: readonly string[];
  /** Aggregates the signed versions of `changes` (sign, incident_id, version) into rows of the table. */
  aggregate(tables: Tables, changes: RawBuilder<unknown>, groups: Grouping): RawBuilder<unknown>;
  /** The same, in memory, for versions whose lines are at hand (tally-deltas.ts). */
  changes(versions: readonly { sign: number; lines: VersionLines }[]): SumsRow[];
}

/** Which groupings to aggregate: every one (to keep the sums), or those a read asks for. */
type Grouping = { all: true } | { all: false; masks: readonly number[] };

function groupingSets(columns: readonly RawBuilder<unknown>[], groups: Grouping) {
  if (groups.all) return sql`cube (${sql.join(columns)})`;
  // Every column must be in some set for grouping() to name it: the finest set (mask 0) goes
  // along, and the read drops its rows unless it asked for them.
  const sets = [...new Set([0, ...groups.masks])].map((mask) => {
    const kept = columns.filter((_, n) => (mask & (1 << (columns.length - 1 - n))) === 0);
    return kept.length === 0 ? sql`()` : sql`(${sql.join(kept)})`;
  });
  return sql`grouping sets (${sql.join(sets)})`;
}

/**
 * The lines of each incident version the query picks, looked up by key (a nested loop over the
 * picked versions: `offset 0` keeps the planner from turning it into a hash join that reads
 * every line of the table).
 */
export function linesOf(table: string, alias: string, versions: string): RawBuilder<unknown> {
  const v = (column: string) => sql.ref(`${versions}.${column}`);
  return sql`cross join lateral (
    select * from ${sql.table(table)} x
     where x.incident_id = ${v('incident_id')} and x.version = ${v('version')} offset 0) as ${sql.id(alias)}`;
}

const STRIKE_COLUMNS = [sql`w.attacker`, sql`w.weapon_kind`, sql`w.region`, sql`i.month`];
const CASUALTY_COLUMNS = [sql`i.country`, sql`c.region`, sql`i.month`];

export const STRIKE_SUMS: SumsKind = {
  table: 'strikeSums',
  group: 'mask',
  types: ['StrikeReported'],
  changes: strikeChanges,
  measures: STRIKE_MEASURES,
  // A row of the changes is one version with its sign (no version is in them twice with one
  // sign), so its row number stands for it: distinct bigints sort far faster than records,
  // which took half of a snapshot's fill.
  aggregate: (tables, changes, groups) => sql`
    with d as (select c.*, row_number() over () as n from (${changes}) as c)
    select grouping(${sql.join(STRIKE_COLUMNS)})::smallint as mask,
           array[${sql.join(STRIKE_COLUMNS)}]::text[] as keys,
           coalesce(sum(d.sign), 0) as lines,
           count(distinct d.n) filter (where d.sign > 0)
             - count(distinct d.n) filter (where d.sign < 0) as strikes,
           coalesce(sum(d.sign * w.launched), 0) as launched,
           coalesce(sum(d.sign) filter (where w.launched is not null), 0) as launched_lines,
           coalesce(sum(d.sign * w.intercepted), 0) as intercepted,
           coalesce(sum(d.sign) filter (where w.intercepted is not null), 0) as intercepted_lines,
           coalesce(sum(d.sign * w.launched) filter (where w.intercepted is not null), 0) as both_launched,
           coalesce(sum(d.sign * w.intercepted) filter (where w.launched is not null), 0) as both_intercepted
      from d
      ${linesOf(tables.incidents!, 'i', 'd')} ${linesOf(tables.weapons!, 'w', 'd')}
     group by ${groupingSets(STRIKE_COLUMNS, groups)}`,
};

export const CASUALTY_SUMS: SumsKind = {
  table: 'casualtySums',
  group: 'mask',
  types: ['StrikeReported', 'CasualtiesReported'],
  changes: casualtyChanges,
  measures: CASUALTY_MEASURES,
  aggregate: (tables, changes, groups) => sql`
    with d as (${changes})
    select grouping(${sql.join(CASUALTY_COLUMNS)})::smallint as mask,
           array[${sql.join(CASUALTY_COLUMNS)}]::text[] as keys,
           coalesce(sum(d.sign), 0) as lines,
           coalesce(sum(d.sign * c.killed), 0) as killed,
           coalesce(sum(d.sign) filter (where c.killed is not null), 0) as killed_lines,
           coalesce(sum(d.sign * c.injured), 0) as injured,
           coalesce(sum(d.sign) filter (where c.injured is not null), 0) as injured_lines,
           coalesce(sum(d.sign) filter (where c.at_least), 0) as at_least_lines
      from d
      ${linesOf(tables.incidents!, 'i', 'd')} ${linesOf(tables.casualties!, 'c', 'd')}
     group by ${groupingSets(CASUALTY_COLUMNS, groups)}`,
};

/**
 * exchanges (no keys), released (party), agreement_released (agreement, party), incidents
 * (type, month), sanctions (issuer, target, type).
 */
export const COUNTS: SumsKind = {
  table: 'counts',
  group: 'kind',
  changes: countChanges,
  measures: COUNT_MEASURES,
  aggregate: (tables, changes) => {
    const join = linesOf(tables.incidents!, 'i', 'd');
    const released = linesOf(tables.released!, 'r', 'd');
    return sql`
      with d as (${changes})
      select 'exchanges' as kind, array[]::text[] as keys, sum(d.sign) as lines, sum(d.sign) as n
        from d ${join} where i.type = 'PrisonersExchanged' having count(*) > 0
      union all
      select 'released', array[r.party], sum(d.sign), sum(d.sign * r.count)
        from d ${released}
       group by r.party
      union all
      select 'agreement_released', array[i.agreement_id::text, r.party], sum(d.sign), sum(d.sign * r.count)
        from d ${released} ${join}
       where i.agreement_id is not null
       group by i.agreement_id, r.party
      union all
      select 'incidents', array[i.type, i.month], sum(d.sign), sum(d.sign)
        from d ${join} group by i.type, i.month
      union all
      select 'sanctions', array[i.issuer, i.target, i.type], sum(d.sign), sum(d.sign)
        from d ${join} where i.type in ('SanctionsWarned', 'SanctionsImposed')
       group by i.issuer, i.target, i.type`;
  },
};

const KINDS = [STRIKE_SUMS, CASUALTY_SUMS, COUNTS] as const;

/**
 * The signed versions that turn the sums as of `after` (null: before anything) into the sums as
 * of `until` (null: now): those valid at `until` that began after `after`, and those valid at
 * `after` that ended by `until`.
 */
function changesBetween(
  tables: Tables,
  after: Date | null,
  until: Date | null,
): RawBuilder<unknown> {
  const incidents = sql.table(tables.incidents!);
  const u = until?.toISOString() ?? null;
  const a = after?.toISOString() ?? null;
  const began = sql.join(
    [
      ...(a === null ? [] : [sql`valid_from > ${a}::timestamptz`]),
      ...(u === null ? [] : [sql`valid_from <= ${u}::timestamptz`]),
      u === null ? sql`valid_to is null` : sql`(valid_to is null or valid_to > ${u}::timestamptz)`,
    ],
    sql` and `,
  );
  const plus = sql`select 1 as sign, incident_id, version from ${incidents} where ${began}`;
  if (a === null) return plus;
  const endedBy = u === null ? sql`` : sql`and valid_to <= ${u}::timestamptz`;
  return sql`${plus}
    union all
    select -1, incident_id, version from ${incidents}
     where valid_to > ${a}::timestamptz ${endedBy} and valid_from <= ${a}::timestamptz`;
}

/** Adds rows of changes to one snapshot of a sums table; groups left empty go. */
async function mergeChanges(
  trx: Kysely<Database>,
  tables: Tables,
  kind: SumsKind,
  snapshot: number,
  rows: readonly SumsRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const group = sql.id(kind.group);
  const m = kind.measures.map((c) => sql.id(c));
  const columns = sql.join([
    sql`${group} ${kind.group === 'mask' ? sql`smallint` : sql`text`}`,
    sql`keys text[]`,
    ...m.map((c) => sql`${c} bigint`),
  ]);
  await sql`
    merge into ${sql.table(tables[kind.table]!)} s
    using jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as d(${columns})
       on s.snapshot = ${snapshot} and s.${group} = d.${group} and s.keys = d.keys
     when matched and s.lines + d.lines = 0 then delete
     when matched then update set ${sql.join(kind.measures.map((c) => sql`${sql.id(c)} = s.${sql.id(c)} + d.${sql.id(c)}`))}
     when not matched and d.lines <> 0 then
       insert (snapshot, ${group}, keys, ${sql.join(m)})
       values (${snapshot}, d.${group}, d.keys, ${sql.join(m.map((c) => sql`d.${c}`))})`.execute(
    trx,
  );
}

/**
 * The lines of versions a batch closed, as they stand after closing (valid_to set), in one
 * query: what they contributed is subtracted.
 */
export async function closedLines(
  trx: Kysely<Database>,
  tables: Tables,
  closed: readonly { incidentId: string; version: number }[],
): Promise<VersionLines[]> {
  if (closed.length === 0) return [];
  const pick = (table: string, columns: string) =>
    sql`coalesce((select json_agg(json_build_object(${sql.raw(columns)})) from ${sql.table(table)} x
                   where x.incident_id = i.incident_id and x.version = i.version), '[]')`;
  const found = await sql<
    VersionLines['incident'] & Pick<VersionLines, 'weapons' | 'casualties' | 'released'>
  >`
    select i.incident_id, i.version, i.valid_from, i.valid_to, i.type, i.month, i.country,
           i.agreement_id, i.issuer, i.target,
           ${pick(tables.weapons!, `'attacker', x.attacker, 'weapon_kind', x.weapon_kind, 'region', x.region, 'launched', x.launched, 'intercepted', x.intercepted`)} as weapons,
           ${pick(tables.casualties!, `'region', x.region, 'killed', x.killed, 'injured', x.injured, 'at_least', x.at_least`)} as casualties,
           ${pick(tables.released!, `'party', x.party, 'count', x.count`)} as released
      from unnest(${closed.map((k) => k.incidentId)}::uuid[], ${closed.map((k) => k.version)}::int[]) as b(incident_id, version)
      join ${sql.table(tables.incidents!)} i on i.incident_id = b.incident_id and i.version = b.version`.execute(
    trx,
  );
  return found.rows.map(({ weapons, casualties, released, ...incident }) => ({
    incident,
    weapons,
    casualties,
    released,
  }));
}

/**
 * A sums table's rows of snapshot `base` (null: none) plus the aggregate of `changes` (negated
 * when `sign` is −1), summed per group; groups left with no lines drop out. `chosen` narrows
 * both sides to the groups a caller wants.
 */
function baseAndChanges(
  tables: Tables,
  kind: SumsKind,
  base: number | null,
  changes: { versions: RawBuilder<unknown>; sign: 1 | -1; groups: Grouping },
  chosen: RawBuilder<unknown> = sql`true`,
): RawBuilder<unknown> {
  const group = sql.id(kind.group);
  const m = kind.measures.map((c) => sql.id(c));
  const baseRows =
    base === null
      ? sql``
      : sql`select ${group}, keys, ${sql.join(m)} from ${sql.table(tables[kind.table]!)}
             where snapshot = ${base} and ${chosen}
            union all`;
  const signed = changes.sign === 1 ? m : m.map((c) => sql`-${c}`);
  return sql`
    select ${group}, keys, ${sql.join(m.map((c) => sql`sum(${c}) as ${c}`))}
      from (${baseRows}
            select ${group}, keys, ${sql.join(signed)}
              from (${kind.aggregate(tables, changes.versions, changes.groups)}) a where ${chosen}) x
     group by ${group}, keys having sum(lines) <> 0`;
}

/** The snapshot whose instant is nearest to `at`, before or after it; null when none is. */
async function nearestSnapshot(db: Kysely<Database>, tables: Tables, at: Date) {
  const snapshots = sql.table(tables.snapshots!);
  const t = at.toISOString();
  const found = await sql<{ snapshot: number; recorded_until: Date }>`
    (select snapshot, recorded_until from ${snapshots}
      where snapshot > 0 and recorded_until <= ${t}::timestamptz
      order by recorded_until desc, snapshot desc limit 1)
    union all
    (select snapshot, recorded_until from ${snapshots}
      where snapshot > 0 and recorded_until > ${t}::timestamptz
      order by recorded_until, snapshot limit 1)`.execute(db);
  const distance = (row: { recorded_until: Date }) =>
    Math.abs(new Date(row.recorded_until).getTime() - at.getTime());
  const nearest = [...found.rows].sort((a, b) => distance(a) - distance(b))[0];
  return nearest
    ? { snapshot: nearest.snapshot, recordedUntil: new Date(nearest.recorded_until) }
    : null;
}

interface SnapshotAt {
  snapshot: number;
  recordedUntil: Date;
}

/**
 * Fills snapshot `target` of one kind's sums (k ≥ 1 as of its instant, or 0 now) with the rows
 * of `base` (the snapshot before it; null: nothing) plus what changed between their instants.
 */
async function fillSnapshot(
  trx: Kysely<Database>,
  tables: Tables,
  kind: (typeof KINDS)[number],
  target: { snapshot: number; at: Date | null },
  base: SnapshotAt | null,
): Promise<void> {
  const versions = changesBetween(tables, base?.recordedUntil ?? null, target.at);
  const group = sql.id(kind.group);
  const m = kind.measures.map((c) => sql.id(c));
  const rows = baseAndChanges(tables, kind, base?.snapshot ?? null, {
    versions,
    sign: 1,
    groups: { all: true },
  });
  await sql`
    insert into ${sql.table(tables[kind.table]!)} (snapshot, ${group}, keys, ${sql.join(m)})
    select ${target.snapshot}, ${group}, keys, ${sql.join(m)} from (${rows}) r`.execute(trx);
}

/** The snapshots (k ≥ 1) in order. */
async function snapshotsInOrder(trx: Kysely<Database>, tables: Tables): Promise<SnapshotAt[]> {
  const found = await sql<{ snapshot: number; recorded_until: Date }>`
    select snapshot, recorded_until from ${sql.table(tables.snapshots!)}
     where snapshot > 0 order by snapshot`.execute(trx);
  return found.rows.map((r) => ({
    snapshot: r.snapshot,
    recordedUntil: new Date(r.recorded_until),
  }));
}

/**
 * Fills the sums a rebuild's copy left for the end (see `updateSums`' `deferred`), a piece per
 * sums table (the strikes' first: at 300,000 incidents 11 s, the counts 8 s, the casualties 4 s):
 * each snapshot from the one before it, then the sums now from the last one, all in SQL over
 * the versioned rows (one pass over them in all, rather than a merge per batch). A piece empties
 * its table first (until the completion, nothing writes the copy's sums), so it can run again.
 */
export function completeSums(tables: Tables): RebuildCompletion[] {
  return KINDS.map((kind) => async (trx: Kysely<Database>) => {
    await sql`delete from ${sql.table(tables[kind.table]!)}`.execute(trx);
    let base: SnapshotAt | null = null;
    for (const snapshot of await snapshotsInOrder(trx, tables)) {
      await fillSnapshot(
        trx,
        tables,
        kind,
        { snapshot: snapshot.snapshot, at: snapshot.recordedUntil },
        base,
      );
      base = snapshot;
    }
    await fillSnapshot(trx, tables, kind, { snapshot: 0, at: null }, base);
  });
}

/** What one batch did to the versioned tally tables. */
export interface BatchChanges {
  /** The valid_from of each incident version of the batch, in log order (retractions too). */
  validFrom: readonly Date[];
  /** Versions inserted, with their lines (those valid now or at a snapshot's instant count there). */
  inserted: readonly VersionLines[];
  /** Versions that were current before the batch and that it closed, with their lines. */
  closed: readonly VersionLines[];
}

/**
 * Brings the sums up to date after a batch wrote the versioned rows: the sums now; any snapshot
 * whose instant is at or after a version of the batch (a late commit); and a snapshot at each
 * multiple of `snapshotEvery` versions the batch passed, taken at the latest valid_from up to it
 * (so the snapshots are the same however the log was cut into batches). `deferred` (a rebuild's
 * copy catching up) only records where the snapshots fall; `completeSums` fills them all at the
 * end, with the same contents.
 */
export async function updateSums(
  trx: Kysely<Database>,
  tables: Tables,
  batch: BatchChanges,
  options: { snapshotEvery: number; deferred: boolean },
): Promise<void> {
  if (batch.validFrom.length === 0) return;
  // One look at the snapshots table: where the sums stand (snapshot 0), and the snapshots taken
  // at or after the batch's earliest version (a late commit changes them too).
  const earliest = new Date(Math.min(...batch.validFrom.map((d) => d.getTime())));
  const found = await sql<{ snapshot: number; versions: string; recorded_until: Date }>`
    select snapshot, versions, recorded_until from ${sql.table(tables.snapshots!)}
     where snapshot = 0 or recorded_until >= ${earliest.toISOString()}::timestamptz`.execute(trx);
  const now = found.rows.find((r) => r.snapshot === 0);
  if (!options.deferred) {
    const views: { snapshot: number; at: Date | null }[] = [
      { snapshot: 0, at: null },
      ...found.rows
        .filter((r) => r.snapshot > 0)
        .map((r) => ({ snapshot: r.snapshot, at: new Date(r.recorded_until) })),
    ];
    for (const { snapshot, at } of views) {
      const versions = seenAt(batch.inserted, batch.closed, at);
      for (const kind of KINDS)
        await mergeChanges(trx, tables, kind, snapshot, kind.changes(versions));
    }
  }

  const before = now
    ? { versions: Number(now.versions), recordedUntil: new Date(now.recorded_until) }
    : { versions: 0, recordedUntil: null };
  let until = before.recordedUntil;
  let versions = before.versions;
  for (const validFrom of batch.validFrom) {
    versions += 1;
    if (until === null || validFrom > until) until = validFrom;
    if (versions % options.snapshotEvery !== 0) continue;
    const snapshot = versions / options.snapshotEvery;
    if (!options.deferred) {
      const previous = await sql<{ recorded_until: Date }>`
        select recorded_until from ${sql.table(tables.snapshots!)} where snapshot = ${snapshot - 1}`.execute(
        trx,
      );
      // Snapshot 0 holds the sums now, not a snapshot: the first one starts from nothing.
      const base =
        snapshot > 1 && previous.rows[0]
          ? { snapshot: snapshot - 1, recordedUntil: new Date(previous.rows[0].recorded_until) }
          : null;
      for (const kind of KINDS)
        await fillSnapshot(trx, tables, kind, { snapshot, at: until }, base);
    }
    await sql`insert into ${sql.table(tables.snapshots!)} (snapshot, versions, recorded_until)
              values (${snapshot}, ${versions}, ${until.toISOString()}::timestamptz)`.execute(trx);
  }
  await sql`
    insert into ${sql.table(tables.snapshots!)} (snapshot, versions, recorded_until)
    values (0, ${versions}, ${until!.toISOString()}::timestamptz)
    on conflict (snapshot) do update set versions = excluded.versions, recorded_until = excluded.recorded_until`.execute(
    trx,
  );
}

/**
 * Reads rows of a sums table, now or as of an instant, for the given groupings (masks) or
 * kinds, ordered by group, then by the keys at `orderBy` (1-based positions, nulls last).
 * Figures come back as strings (bigint and numeric).
 */
export async function readSums(
  db: Kysely<Database>,
  tables: Tables,
  kind: SumsKind,
  selection: { masks: readonly number[] } | { kinds: readonly string[] },
  orderBy: readonly number[],
  asOf: Date | undefined,
): Promise<Row[]> {
  const table = sql.table(tables[kind.table]!);
  const group = sql.id(kind.group);
  const chosen =
    'masks' in selection
      ? sql`${group} = any(${selection.masks}::smallint[])`
      : sql`${group} = any(${selection.kinds}::text[])`;
  const order = sql`order by ${sql.join([group, ...orderBy.map((n) => sql`keys[${sql.lit(n)}] asc nulls last`)])}`;
  if (!asOf) {
    const now =
      await sql<Row>`select * from ${table} where snapshot = 0 and ${chosen} ${order}`.execute(db);
    return now.rows;
  }
  // From the snapshot nearest in time: forwards from one before, or backwards from one after.
  const base = await nearestSnapshot(db, tables, asOf);
  const groups: Grouping =
    'masks' in selection ? { all: false, masks: selection.masks } : { all: true };
  const forwards = !base || base.recordedUntil <= asOf;
  const rows = baseAndChanges(
    tables,
    kind,
    base?.snapshot ?? null,
    forwards
      ? { versions: changesBetween(tables, base?.recordedUntil ?? null, asOf), sign: 1, groups }
      : { versions: changesBetween(tables, asOf, base.recordedUntil), sign: -1, groups },
    chosen,
  );
  const result = await sql<Row>`select * from (${rows}) r ${order}`.execute(db);
  return result.rows;
}

/** A `from`/`to` filter whose ends fall on the starts of Kyiv months: the months it spans. */
export interface MonthWindow {
  /** The filter's `from`: incidents that began before it and reach into it count too. */
  from?: Date;
  /** The first month counted (YYYY-MM), if bounded. */
  firstMonth?: string;
  /** The last month counted (YYYY-MM), if bounded. */
  lastMonth?: string;
}

/**
 * The sums of the incidents whose spans overlap a window of whole Kyiv months, from the kept
 * sums rather than every picked incident's lines (28,000 strikes a month at 1M incidents).
 *
 * Two disjoint sets of incidents add up: those that began within the window, which are the
 * sums' rows keyed by its months (an incident's month is that of its start); and those that
 * began before `from` and reach into it, a handful, aggregated from their lines. Being
 * disjoint, even their distinct-incident counts add. Each read mask `m` is answered from the
 * sums' rows of `m` with the month kept, the month key then left out when `m` leaves it out.
 * Rows as readSums gives them, for the current state only.
 */
export async function readMonthWindowSums(
  db: Kysely<Database>,
  tables: Tables,
  kind: SumsKind,
  window: MonthWindow,
  key: { month: number; count: number },
  masks: readonly number[],
  orderBy: readonly number[],
): Promise<Row[]> {
  const monthBit = 1 << (key.count - key.month);
  const withMonth = [...new Set(masks.map((m) => m & ~monthBit))];
  const m = kind.measures.map((c) => sql.id(c));
  const month = sql`keys[${sql.lit(key.month)}]`;
  const inWindow = sql.join(
    [
      sql`mask = any(${withMonth}::smallint[])`,
      ...(window.firstMonth ? [sql`${month} >= ${window.firstMonth}`] : []),
      ...(window.lastMonth ? [sql`${month} <= ${window.lastMonth}`] : []),
    ],
    sql` and `,
  );
  const before = window.from
    ? sql`union all
        select mask, keys, ${sql.join(m)}
          from (${kind.aggregate(
            tables,
            sql`select 1 as sign, incident_id, version from ${sql.table(tables.incidents!)} i
                 where ${sql.join(
                   [
                     ...incidentConditions('i', { from: window.from, to: window.from }),
                     // The type leads the indexes on occurred_at.
                     ...(kind.types ? [sql<SqlBool>`i.type = any(${kind.types}::text[])`] : []),
                   ],
                   sql` and `,
                 )}`,
            { all: false, masks: withMonth },
          )}) a
         where mask = any(${withMonth}::smallint[])`
    : sql``;
  // Each row goes to every read mask it answers: m itself, and m with the month left out.
  const rows = sql`
    with found as (
      select mask, keys, ${sql.join(m)}
        from ${sql.table(tables[kind.table]!)} where snapshot = 0 and ${inWindow}
      ${before}
    )
    select r.mask, case when r.mask = found.mask then found.keys
                        else found.keys[1:${sql.lit(key.month - 1)}] || array[null::text]
                             || found.keys[${sql.lit(key.month + 1)}:] end as keys,
           ${sql.join(m.map((c) => sql`sum(found.${c}) as ${c}`))}
      from found
      join unnest(${masks}::smallint[]) as r(mask) on (r.mask & ~${monthBit}::smallint) = found.mask
     group by 1, 2 having sum(found.lines) <> 0`;
  const order = sql.join([
    sql`mask`,
    ...orderBy.map((n) => sql`keys[${sql.lit(n)}] asc nulls last`),
  ]);
  const result = await sql<Row>`select * from (${rows}) r order by ${order}`.execute(db);
  return result.rows;
}
