import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never changes once shipped; later changes get a new migration.

// The tallies kept summed: an unfiltered tally reads a few hundred rows instead of aggregating
// every line. Snapshot 0 holds the sums now; snapshot k ≥ 1 holds them as of the instant
// `tally_snapshots.recorded_until` (taken every 20,000 incident versions), so an "as of"
// tally starts from the snapshot nearest in time and adds or subtracts only the versions
// recorded between the two.
export async function up(db: Kysely<unknown>): Promise<void> {
  // keys: attacker, weapon_kind, region, month, null where the grouping (mask, as SQL's
  // grouping() gives it) leaves a key out.
  await sql`
    create table read_model.tally_strike_sums (
      snapshot integer not null,
      mask smallint not null,
      keys text[] not null,
      strikes bigint not null,
      lines bigint not null,
      launched bigint not null,
      launched_lines bigint not null,
      intercepted bigint not null,
      intercepted_lines bigint not null,
      both_launched bigint not null,
      both_intercepted bigint not null,
      primary key (snapshot, mask, keys)
    )`.execute(db);
  // keys: country, region, month.
  await sql`
    create table read_model.tally_casualty_sums (
      snapshot integer not null,
      mask smallint not null,
      keys text[] not null,
      lines bigint not null,
      killed bigint not null,
      killed_lines bigint not null,
      injured bigint not null,
      injured_lines bigint not null,
      at_least_lines bigint not null,
      primary key (snapshot, mask, keys)
    )`.execute(db);
  // Counts and sums of the other tallies, by kind: exchanges, released (party), agreement_released
  // (agreement, party), incidents (type, month), sanctions (issuer, target, type).
  await sql`
    create table read_model.tally_counts (
      snapshot integer not null,
      kind text not null,
      keys text[] not null,
      lines bigint not null,
      n bigint not null,
      primary key (snapshot, kind, keys)
    )`.execute(db);
  // Snapshot 0: how many incident versions are applied, and the latest valid_from among them.
  await sql`
    create table read_model.tally_snapshots (
      snapshot integer primary key,
      versions bigint not null,
      recorded_until timestamptz not null
    )`.execute(db);
  await sql`create index tally_snapshots_recorded_idx on read_model.tally_snapshots (recorded_until)`.execute(
    db,
  );
  // What changed between two instants: versions that began, and versions that ended.
  await sql`create index tally_incidents_from_idx on read_model.tally_incidents (valid_from)`.execute(
    db,
  );
  await sql`create index tally_incidents_to_idx on read_model.tally_incidents (valid_to) where valid_to is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index read_model.tally_incidents_to_idx`.execute(db);
  await sql`drop index read_model.tally_incidents_from_idx`.execute(db);
  await sql`drop table read_model.tally_snapshots, read_model.tally_counts, read_model.tally_casualty_sums, read_model.tally_strike_sums`.execute(
    db,
  );
}
