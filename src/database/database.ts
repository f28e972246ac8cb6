import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrations } from '../../db/migrations';
import { COPY_FROM_STDIN } from './copy';
import { PGliteDialect } from './pglite.dialect';
import type { Database } from './tables';

/** Where the store lives: in process (PGlite) or a PostgreSQL server. */
export type StoreKind = 'pglite' | 'postgres';

/**
 * Starts a statement that runs often enough to be worth a server-side prepared statement: on
 * PostgreSQL each connection parses and plans it once, then only binds and executes it (for the
 * single-stream append, planning cost as much as running). Only fixed statement texts may carry
 * it: each distinct text stays prepared on every connection for the connection's life.
 */
export const PREPARED = '/* prepared */ ';

type Query = (...args: unknown[]) => unknown;

/** Streams a COPY_FROM_STDIN statement's one parameter, the data, through the COPY protocol. */
async function copyIn(query: Query, text: string, values: unknown): Promise<pg.QueryResult> {
  const [data] = values as [string];
  const stream = query(copyFrom(text)) as ReturnType<typeof copyFrom>;
  stream.end(data);
  // Settles once the server has answered: with its row count, or with its error.
  await finished(stream);
  return { command: 'COPY', rowCount: stream.rowCount, rows: [], oid: 0, fields: [] };
}

/**
 * Makes a pool client run statements that start with PREPARED as named prepared statements, and
 * those that start with COPY_FROM_STDIN as COPY.
 */
function extendQueries(client: pg.PoolClient): void {
  const original = client.query.bind(client) as Query;
  const names = new Map<string, string>();
  const patched = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(COPY_FROM_STDIN))
      return copyIn(original, text, values);
    if (typeof text === 'string' && text.startsWith(PREPARED)) {
      let name = names.get(text);
      if (!name) {
        name = `p${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
        names.set(text, name);
      }
      return original({ name, text, values });
    }
    return original(...args);
  };
  Object.defineProperty(client, 'query', { value: patched, writable: true, configurable: true });
}

/** Called for each notification on a channel; the payload is whatever NOTIFY sent. */
export type NotificationListener = (payload: string) => void;

/**
 * One opened store: the Kysely instance every query goes through, plus what Kysely does not
 * cover (LISTEN, closing). Both stores answer the same SQL; only this handle differs.
 */
export interface Store {
  readonly kind: StoreKind;
  readonly db: Kysely<Database>;
  /** Subscribes to NOTIFY on a channel; resolves to an unsubscribe function. */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  /**
   * Takes a session-level lock that lives as long as this process's hold on it: on PostgreSQL
   * an advisory lock on a connection of its own (released when the process dies, so another
   * instance can take over); on the embedded store, which one process owns, it always succeeds.
   * Resolves to undefined when another session holds it.
   */
  tryLock(key: string): Promise<SessionLock | undefined>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** A held session lock. */
export interface SessionLock {
  /** True once the connection holding it has gone (the lock is then free for others). */
  lost(): boolean;
  release(): Promise<void>;
}

/** Options for opening a store. */
export interface OpenStoreOptions {
  /** PostgreSQL URL; undefined opens the embedded store. */
  databaseUrl?: string | undefined;
  /** Directory for the embedded store's files; undefined keeps it in memory. */
  dataDir?: string | undefined;
  /** pg pool size. */
  poolSize?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

// int8 arrives as a string from pg and as a number (or bigint) from PGlite: positions and
// versions are normalised to numbers here, once. They stay far below 2^53.
function parseInt8(value: string): number {
  return Number(value);
}

/** Opens the store the options name; does not migrate. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options)
    : openPGlite(options.dataDir);
}

async function openPGlite(dataDir: string | undefined): Promise<Store> {
  let pgliteDir: string | undefined;
  if (dataDir) {
    pgliteDir = join(dataDir, 'pgdata');
    await mkdir(pgliteDir, { recursive: true });
  }
  const pglite = await PGlite.create({
    ...(pgliteDir ? { dataDir: pgliteDir } : {}),
    parsers: { 20: parseInt8 },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    async listen(channel, listener) {
      const unsubscribe = await pglite.listen(channel, listener);
      return unsubscribe;
    },
    async tryLock() {
      return { lost: () => false, release: async () => undefined };
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const types = {
    getTypeParser: ((oid: number, format?: string): unknown =>
      oid === 20
        ? parseInt8
        : (pg.types.getTypeParser(
            oid,
            format as 'text',
          ) as unknown)) as typeof pg.types.getTypeParser,
  };
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    types,
    application_name: options.applicationName ?? 'timeline-service',
    // Our own sessions must never hold readers of the log back for long.
    // JIT compiles a plan in tens of milliseconds: a loss for short statements whose row
    // estimates (stale while a table grows) cross jit_above_cost, as a batch's stream reads did.
    options: '-c idle_in_transaction_session_timeout=60000 -c statement_timeout=120000 -c jit=off',
    connectionTimeoutMillis: 5000,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 16 });
  // An idle client that loses its server emits here; without a handler the process would crash.
  pool.on('error', () => undefined);
  // pg-pool stops listening to a client's errors while it is checked out: a session the server
  // ends then (restart, failover, pg_terminate_backend) would crash the process. The query in
  // flight still fails, and that error reaches its caller.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    extendQueries(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<pg.Client>();
  return {
    kind: 'postgres',
    db,
    async listen(channel, listener) {
      return listenPostgres(clientConfig, channel, listener, listeners);
    },
    async tryLock(key) {
      const client = new pg.Client(clientConfig);
      let lost = false;
      client.on('error', () => {
        lost = true;
      });
      client.on('end', () => {
        lost = true;
        listeners.delete(client);
      });
      try {
        await client.connect();
        const result = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock(hashtext($1)) as locked',
          [key],
        );
        if (!result.rows[0]?.locked) {
          await client.end();
          return undefined;
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      listeners.add(client);
      return {
        lost: () => lost,
        release: async () => {
          listeners.delete(client);
          await client.end().catch(() => undefined);
        },
      };
    },
    async close() {
      await Promise.all([...listeners].map((client) => client.end().catch(() => undefined)));
      listeners.clear();
      await db.destroy();
    },
  };
}

// A dedicated connection per channel, re-established with backoff when it drops. Readers also
// poll, so notifications lost while it reconnects only delay them.
async function listenPostgres(
  config: pg.ClientConfig,
  channel: string,
  listener: NotificationListener,
  registry: Set<pg.Client>,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const connect = async (delay: number): Promise<void> => {
    const next = new pg.Client(config);
    let retrying = false;
    const retry = (): void => {
      if (retrying || stopped) return;
      retrying = true;
      registry.delete(next);
      retryTimer = setTimeout(() => void connect(Math.min(delay * 2, 5000)), delay);
    };
    next.on('notification', (message) => {
      if (message.channel === channel) listener(message.payload ?? '');
    });
    next.on('error', () => undefined);
    next.on('end', retry);
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      client = next;
      registry.add(next);
      // Anything committed while we were not listening is picked up by this wake-up.
      listener('');
    } catch {
      retry();
      await next.end().catch(() => undefined);
    }
  };
  await connect(100);
  return async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    if (client) {
      registry.delete(client);
      await client.end().catch(() => undefined);
    }
  };
}

/** Applies every pending migration; returns what ran. Throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const message =
      result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${message}`);
  }
  return result;
}

/** True when every known migration has been applied. */
export async function isMigrated(db: Kysely<Database>): Promise<boolean> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}

/** Round-trips one query; throws when the store is unreachable. */
export async function pingStore(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
