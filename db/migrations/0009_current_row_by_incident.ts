import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

// Closing an incident's current row looked it up through the partial (occurred_at, incident_id)
// index, scanning all of it once per incident: 14 ms a batch at 100k incidents, growing with
// the table. One current row per incident is also an invariant worth having the database keep.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create unique index timeline_current_incident_idx on read_model.timeline (incident_id) where valid_to is null`.execute(
    db,
  );
  await sql`create unique index tally_incidents_current_incident_idx on read_model.tally_incidents (incident_id) where valid_to is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index read_model.tally_incidents_current_incident_idx`.execute(db);
  await sql`drop index read_model.timeline_current_incident_idx`.execute(db);
}
