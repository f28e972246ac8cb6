import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

// An incident matches `from` when its span ends at or after it, and nothing bounded its start
// from below: a month's tally at 1M incidents read every earlier strike's row to keep one in
// thirty (295 ms). Reads now also bound the start (read-filter.ts): a short span starts at most
// two days before `from`; the few longer ones are found through these partial indexes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index timeline_long_span_idx on read_model.timeline (occurred_at) where valid_to is null and occurred_end - occurred_at > interval '2 days'`.execute(
    db,
  );
  await sql`create index tally_incidents_long_span_idx on read_model.tally_incidents (type, occurred_at) where valid_to is null and occurred_end - occurred_at > interval '2 days'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index read_model.tally_incidents_long_span_idx`.execute(db);
  await sql`drop index read_model.timeline_long_span_idx`.execute(db);
}
