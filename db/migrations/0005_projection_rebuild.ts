import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  // A rebuild in progress (its own checkpoint and progress) and the last dry run's verdict.
  await sql`alter table event_store.projections add column rebuild jsonb, add column verify jsonb`.execute(
    db,
  );
  // Rebuilt copies are built here while the live tables keep answering, then moved in.
  await sql`create schema if not exists read_model_rebuild`.execute(db);
  await sql`create schema if not exists read_model_retired`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema read_model_retired cascade`.execute(db);
  await sql`drop schema read_model_rebuild cascade`.execute(db);
  await sql`alter table event_store.projections drop column rebuild, drop column verify`.execute(
    db,
  );
}
