import { sql } from 'kysely';
import { migrations } from '../../db/migrations';
import { createTestDatabase, storesUnderTest } from '../../test/store-harness';
import { isMigrated, migrateToLatest, openStore, type Store, type StoreKind } from './database';

/** A fresh, empty store of the given kind (not migrated) and how to get rid of it. */
async function emptyStore(kind: StoreKind): Promise<{ store: Store; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const store = await openStore({});
    return { store, close: () => store.close() };
  }
  const database = await createTestDatabase();
  const store = await openStore({ databaseUrl: database.url, poolSize: 4 });
  return {
    store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

const NAMES = Object.keys(migrations).sort();

describe.each(storesUnderTest())('migrations on %s', (kind) => {
  let fresh: { store: Store; close(): Promise<void> };
  beforeEach(async () => {
    fresh = await emptyStore(kind);
  });
  afterEach(async () => {
    await fresh?.close();
  });

  async function tables(): Promise<string[]> {
    const result = await sql<{ name: string }>`
      select table_schema || '.' || table_name as name from information_schema.tables
       where table_schema in ('event_store', 'service') order by 1`.execute(fresh.store.db);
    return result.rows.map((r) => r.name);
  }

  it('applies every migration to an empty database, in name order, and then nothing more', async () => {
    const { db } = fresh.store;
    expect(await isMigrated(db)).toBe(false);
    expect(await tables()).toEqual([]);

    const first = await migrateToLatest(db);
    expect(first.error).toBeUndefined();
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual(
      NAMES.map((name) => [name, 'Success']),
    );
    expect(await isMigrated(db)).toBe(true);
    const created = await tables();
    expect(created).toEqual(
      expect.arrayContaining([
        'event_store.events',
        'event_store.streams',
        'service.api_keys',
        'service.idempotency_keys',
      ]),
    );

    const second = await migrateToLatest(db);
    expect(second.error).toBeUndefined();
    expect(second.results).toEqual([]);
    expect(await isMigrated(db)).toBe(true);
    expect(await tables()).toEqual(created);

    // The append function the migrations made works.
    const appended = await sql<{ stream_version: number }>`
      select * from event_store.append(
        ${JSON.stringify([{ s: 'migration-test', e: -1 }])}::jsonb,
        ${JSON.stringify([{ i: 0, id: '00000000-0000-4000-8000-000000000001', s: 'migration-test', t: 'T', v: 1, d: {}, m: {} }])}::jsonb)`.execute(
      db,
    );
    expect(appended.rows.map((r) => Number(r.stream_version))).toEqual([1]);
  });

  it('is not migrated while a migration is missing', async () => {
    const { db } = fresh.store;
    await migrateToLatest(db);
    const last = NAMES[NAMES.length - 1]!;
    await db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', last as never)
      .execute();
    expect(await isMigrated(db)).toBe(false);
  });

  if (kind === 'postgres') {
    it('lets two processes migrate one database at once: each migration runs once', async () => {
      const url = (
        await sql<{ db: string }>`select current_database() as db`.execute(fresh.store.db)
      ).rows[0]!.db;
      const base = new URL(process.env.DATABASE_URL!);
      base.pathname = `/${url}`;
      const other = await openStore({ databaseUrl: base.toString(), poolSize: 2 });
      try {
        const [a, b] = await Promise.all([
          migrateToLatest(fresh.store.db),
          migrateToLatest(other.db),
        ]);
        const ran = [...(a.results ?? []), ...(b.results ?? [])].map((r) => r.migrationName);
        expect(ran.sort()).toEqual(NAMES);
        expect(await isMigrated(fresh.store.db)).toBe(true);
        expect(await isMigrated(other.db)).toBe(true);
      } finally {
        await other.close();
      }
    });
  }
});
