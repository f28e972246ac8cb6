import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** The filters every read of an incident read model takes (already validated). */
export interface IncidentFilter {
  /** Inclusive start of the first Kyiv day (from). */
  from?: Date;
  /** Exclusive end of the last Kyiv day (to). */
  to?: Date;
  country?: string;
  /** A region code. */
  region?: string;
  party?: string;
  /** Answer from what had been recorded by this instant. */
  asOf?: Date;
}

interface VersionedIncidentColumns {
  valid_from: Date;
  valid_to: Date | null;
  occurred_at: Date;
  occurred_end: Date;
  country: string;
  regions: string[];
  parties: string[];
}

/**
 * The conditions of an IncidentFilter on a versioned incident table: the current rows (which
 * the partial indexes cover) or, "as of", the rows valid at that instant; an incident matches
 * `from`/`to` when its span overlaps them.
 */
export function incidentConditions(table: string, filter: IncidentFilter): RawBuilder<SqlBool>[] {
  const col = (name: keyof VersionedIncidentColumns) => sql.ref(`${table}.${name}`);
  const conditions: RawBuilder<SqlBool>[] = [];
  if (filter.asOf) {
    const asOf = filter.asOf.toISOString();
    conditions.push(sql<SqlBool>`${col('valid_from')} <= ${asOf}::timestamptz`);
    conditions.push(
      sql<SqlBool>`(${col('valid_to')} is null or ${col('valid_to')} > ${asOf}::timestamptz)`,
    );
  } else {
    conditions.push(sql<SqlBool>`${col('valid_to')} is null`);
  }
  if (filter.from) {
    const from = filter.from.toISOString();
    conditions.push(sql<SqlBool>`${col('occurred_end')} >= ${from}::timestamptz`);
    // Implied by the line above, but it bounds the start from below, so an index on occurred_at
    // reads only the range: a span of up to two days starts at most two days before `from`,
    // and the longer ones have their own partial index (migration 0010), whose predicate this
    // must repeat word for word for the planner to use it.
    conditions.push(
      sql<SqlBool>`(${col('occurred_at')} >= ${from}::timestamptz - interval '2 days' or ${col('occurred_end')} - ${col('occurred_at')} > interval '2 days')`,
    );
  }
  if (filter.to)
    conditions.push(sql<SqlBool>`${col('occurred_at')} < ${filter.to.toISOString()}::timestamptz`);
  if (filter.country) conditions.push(sql<SqlBool>`${col('country')} = ${filter.country}`);
  if (filter.region)
    conditions.push(sql<SqlBool>`${col('regions')} @> array[${filter.region}]::text[]`);
  if (filter.party)
    conditions.push(sql<SqlBool>`${col('parties')} @> array[${filter.party}]::text[]`);
  return conditions;
}
