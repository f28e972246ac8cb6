import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openStore, type Store, type StoreKind } from '../src/database';

/**
 * The stores every integration and HTTP spec runs against: PGlite always, PostgreSQL when
 * DATABASE_URL is set. TEST_STORES=pglite (or postgres) narrows the list.
 */
export function storesUnderTest(): StoreKind[] {
  const all: StoreKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
  const only = process.env.TEST_STORES?.split(',').map((s) => s.trim());
  return only ? all.filter((kind) => only.includes(kind)) : all;
}

/** A migrated store of its own for one spec file; `close` drops what it made. */
export interface TestStore {
  store: Store;
  /** The database URL (PostgreSQL) or undefined (PGlite in memory). */
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

async function waitForPostgres(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(
    `PostgreSQL at ${url} did not answer in 20 s (${String(lastError)}); start it with ` +
      "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' or unset DATABASE_URL",
  );
}

/** Creates a fresh database on the server named by DATABASE_URL and returns its URL. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const baseUrl = new URL(base);
  const baseName = baseUrl.pathname.replace(/^\//, '');
  if (!/test/i.test(baseName)) {
    throw new Error(
      `refusing to run tests against database "${baseName}": its name must contain "test"`,
    );
  }
  await waitForPostgres(base);
  const name = `${baseName}_${randomBytes(5).toString('hex')}`.toLowerCase();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      await client.end();
    },
  };
}

/** Opens and migrates a fresh store of the given kind. */
export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'pglite') {
    const store = await openStore({});
    await migrateToLatest(store.db);
    return { store, databaseUrl: undefined, close: () => store.close() };
  }
  const database = await createTestDatabase();
  const store = await openStore({ databaseUrl: database.url, poolSize: 20 });
  await migrateToLatest(store.db);
  return {
    store,
    databaseUrl: database.url,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}
