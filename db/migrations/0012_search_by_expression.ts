import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

// The timeline's text search was a stored generated column (to_tsvector of search_text) with a
// GIN index over the current rows. PostgreSQL computes a stored generated column for every row
// written and again on every update: 11 µs a row, two thirds of what inserting a timeline row
// cost the server in a rebuild's copy (100,000 rows: 1.7 s with the column, 0.6 s without), and
// every version closed by a correction paid it once more. The index is now on the expression
// itself, so the vector is computed once, for the current rows only, when the index is built or
// a current row is inserted; reads match `to_tsvector('simple', search_text)`, the same
// expression, and use it as they used the column. A rebuild's copy in flight loses the column too.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table read_model.timeline drop column search`.execute(db);
  await sql`alter table if exists read_model_rebuild.timeline drop column if exists search`.execute(
    db,
  );
  await sql`create index timeline_current_search_idx on read_model.timeline using gin (to_tsvector('simple'::regconfig, search_text)) where valid_to is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index read_model.timeline_current_search_idx`.execute(db);
  await sql`alter table read_model.timeline add column search tsvector generated always as (to_tsvector('simple'::regconfig, search_text)) stored`.execute(
    db,
  );
  await sql`create index timeline_current_search_idx on read_model.timeline using gin (search) where valid_to is null`.execute(
    db,
  );
}
