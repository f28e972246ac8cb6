import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per projection: its code version, state and checkpoint in the log's safe order.
  await sql`
    create table event_store.projections (
      name text primary key,
      version integer not null,
      status text not null default 'running' check (status in ('running', 'paused', 'rebuilding', 'failed')),
      transaction_id xid8 not null default '0',
      position bigint not null default 0,
      last_error text,
      error_position bigint,
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`create schema if not exists read_model`.execute(db);

  // The timeline: one row per version of each incident, valid from the recording of the event
  // that produced it until the next one (valid_to null: the current version). "As of" reads
  // pick the version valid at an instant; live reads use the partial indexes on current rows.
  await sql`
    create table read_model.timeline (
      incident_id uuid not null,
      version integer not null,
      valid_from timestamptz not null,
      valid_to timestamptz,
      type text not null,
      status text not null,
      occurred_at timestamptz not null,
      occurred_until timestamptz,
      occurred_end timestamptz not null,
      precision text not null,
      country text not null,
      location_regions text[] not null,
      place text,
      summary text not null,
      sources jsonb not null,
      tags text[] not null,
      details jsonb not null,
      regions text[] not null,
      parties text[] not null,
      search_text text not null,
      search tsvector generated always as (to_tsvector('simple'::regconfig, search_text)) stored,
      recorded_at timestamptz not null,
      updated_at timestamptz not null,
      position bigint not null,
      primary key (incident_id, version)
    )`.execute(db);
  const current = sql`where valid_to is null`;
  await sql`create index timeline_current_order_idx on read_model.timeline (occurred_at, incident_id) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_end_idx on read_model.timeline (occurred_end) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_type_idx on read_model.timeline (type, occurred_at) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_country_idx on read_model.timeline (country, occurred_at) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_regions_idx on read_model.timeline using gin (regions) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_parties_idx on read_model.timeline using gin (parties) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_tags_idx on read_model.timeline using gin (tags) ${current}`.execute(
    db,
  );
  await sql`create index timeline_current_search_idx on read_model.timeline using gin (search) ${current}`.execute(
    db,
  );
  await sql`create index timeline_valid_idx on read_model.timeline (occurred_at, incident_id, valid_from)`.execute(
    db,
  );

  // The tallies: the same versioning, one row per incident version that counts (retracted
  // incidents have no current row), and its figure lines.
  await sql`
    create table read_model.tally_incidents (
      incident_id uuid not null,
      version integer not null,
      valid_from timestamptz not null,
      valid_to timestamptz,
      type text not null,
      occurred_at timestamptz not null,
      occurred_end timestamptz not null,
      month text not null,
      country text not null,
      regions text[] not null,
      parties text[] not null,
      agreement_id uuid,
      agreement_parties text[],
      total_per_side integer,
      issuer text,
      target text,
      primary key (incident_id, version)
    )`.execute(db);
  await sql`create index tally_incidents_current_idx on read_model.tally_incidents (type, occurred_at) ${current}`.execute(
    db,
  );
  await sql`create index tally_incidents_current_end_idx on read_model.tally_incidents (occurred_end) ${current}`.execute(
    db,
  );
  await sql`create index tally_incidents_current_regions_idx on read_model.tally_incidents using gin (regions) ${current}`.execute(
    db,
  );
  await sql`create index tally_incidents_current_parties_idx on read_model.tally_incidents using gin (parties) ${current}`.execute(
    db,
  );
  await sql`create index tally_incidents_current_agreement_idx on read_model.tally_incidents (agreement_id) ${current}`.execute(
    db,
  );
  await sql`create index tally_incidents_valid_idx on read_model.tally_incidents (type, valid_from)`.execute(
    db,
  );

  await sql`
    create table read_model.tally_released (
      incident_id uuid not null,
      version integer not null,
      line integer not null,
      party text not null,
      count integer not null,
      primary key (incident_id, version, line)
    )`.execute(db);
  await sql`
    create table read_model.tally_weapons (
      incident_id uuid not null,
      version integer not null,
      line integer not null,
      attacker text not null,
      weapon_kind text not null,
      region text,
      launched integer,
      intercepted integer,
      primary key (incident_id, version, line)
    )`.execute(db);
  await sql`
    create table read_model.tally_casualties (
      incident_id uuid not null,
      version integer not null,
      line integer not null,
      region text,
      killed integer,
      injured integer,
      at_least boolean not null,
      primary key (incident_id, version, line)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema read_model cascade`.execute(db);
  await sql`drop table event_store.projections`.execute(db);
}
