import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create schema if not exists service`.execute(db);

  // Keys made by the service itself (the first-start ops key, `keys create`); only a hash is kept.
  await sql`
    create table service.api_keys (
      name text primary key,
      roles text[] not null,
      secret_hash text not null unique,
      created_at timestamptz not null default now()
    )`.execute(db);

  // Idempotency-Key records: scoped to the API key and the route, kept at least 24 hours.
  await sql`
    create table service.idempotency_keys (
      key_name text not null,
      route text not null,
      idempotency_key text not null,
      request_hash text not null,
      status integer,
      body jsonb,
      created_at timestamptz not null default now(),
      primary key (key_name, route, idempotency_key)
    )`.execute(db);
  await sql`create index idempotency_keys_created_at_idx on service.idempotency_keys (created_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema service cascade`.execute(db);
}
