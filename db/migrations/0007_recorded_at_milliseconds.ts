import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

// recorded_at is what "as of" compares with, and clients (and our own code, through JavaScript
// Dates) work in milliseconds: with microseconds stored, an event recorded at .1245 s counted as
// recorded "as of" .124 s once truncated to a Date. New events are recorded to the millisecond.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table event_store.events alter column recorded_at set default date_trunc('milliseconds', now())`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table event_store.events alter column recorded_at set default now()`.execute(db);
}
