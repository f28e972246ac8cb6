import { migrations } from '../db/migrations';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config';
import { openStore, type Store, type StoreKind } from '../src/database';
import { talliesProjection } from '../src/projections/tallies/tallies.projection';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { createApp } from '../src/http/create-app';
import { ProjectionsService } from '../src/projections/projections.service';
import { createTestDatabase, storesUnderTest } from './store-harness';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const SLOW = 180_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion: `npx tsc`, or the CLI. */
function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The environment of a CLI run: the test's, without anything of the service's own config. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'DATABASE_URL' || key === 'LOG_LEVEL' || key.startsWith('TIMELINE_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A store of its own for the CLI: an embedded one in a temporary directory, or a database. */
interface CliStore {
  env: NodeJS.ProcessEnv;
  /** Opens it in this process (close before the next CLI run: the embedded store has one user). */
  open(): Promise<Store>;
  drop(): Promise<void>;
}

async function makeStore(kind: StoreKind): Promise<CliStore> {
  const dir = await mkdtemp(join(tmpdir(), 'timeline-cli-'));
  if (kind === 'pglite') {
    return {
      env: cliEnv({ TIMELINE_DATA_DIR: dir }),
      open: () => openStore({ dataDir: dir }),
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const database = await createTestDatabase();
  return {
    env: cliEnv({ DATABASE_URL: database.url, TIMELINE_DATA_DIR: dir }),
    open: () => openStore({ databaseUrl: database.url, poolSize: 2 }),
    async drop() {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function withStore<T>(target: CliStore, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await target.open();
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function cli(target: CliStore, ...args: string[]): Promise<Run> {
  return run(process.execPath, [CLI, ...args], { env: target.env });
}

// Every row of the tally tables, in a stable order.
async function tallyRows(store: Store): Promise<string> {
  const tables = ['tally_incidents', 'tally_released', 'tally_weapons', 'tally_casualties'];
  const rows: unknown[] = [];
  for (const table of tables) {
    const result = await sql<{ row: string }>`
      select to_jsonb(t)::text as row from ${sql.table(`read_model.${table}`)} t
       order by to_jsonb(t)::text`.execute(store.db);
    rows.push(table, ...result.rows.map((r) => r.row));
  }
  return JSON.stringify(rows);
}

beforeAll(async () => {
  // test/global-setup.ts builds dist/ once before the workers start.
  await access(CLI).catch(() => {
    throw new Error(`${CLI} is missing: run the specs through Jest's global setup (npm test)`);
  });
});

describe.each(storesUnderTest())('the CLI on %s', (kind) => {
  let seeded: CliStore;
  const others: CliStore[] = [];

  beforeAll(async () => {
    seeded = await makeStore(kind);
  });
  afterAll(async () => {
    await seeded?.drop();
    for (const store of others) await store.drop();
  });

  it(
    'migrates an empty store, then finds nothing to do',
    async () => {
      const first = await cli(seeded, 'migrate');
      expect(first).toMatchObject({ code: 0, stderr: '' });
      const n = Object.keys(migrations).length;
      expect(first.stdout).toMatch(
        new RegExp(`applied ${n} migrations \\(0001_event_store, .*\\); ${n} of ${n} applied`),
      );
      const again = await cli(seeded, 'migrate');
      expect(again).toMatchObject({ code: 0, stderr: '' });
      expect(again.stdout).toContain(`up to date (${n} of ${n} migrations applied)`);
    },
    SLOW,
  );

  it(
    'loads the demo through the command handlers, and lists both projections',
    async () => {
      const seed = await cli(seeded, 'seed');
      expect(seed.code).toBe(0);
      expect(seed.stdout).toBe('demo data: 9 incidents appended, 0 already there\n');
      expect((await cli(seeded, 'seed')).stdout).toBe(
        'demo data: 0 incidents appended, 9 already there\n',
      );
      const list = await cli(seeded, 'projections', 'list');
      expect(list.code).toBe(0);
      const lines = list.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^NAME +VERSION +STATUS +POSITION +HEAD +LAG +LAST ERROR +REBUILD +VERIFY$/,
      );
      expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 3))).toEqual([
        ['timeline', String(timelineProjection.version), 'running'],
        ['tallies', String(talliesProjection.version), 'running'],
      ]);
      const json = await cli(seeded, 'projections', 'list', '--json');
      const views = JSON.parse(json.stdout);
      expect(views.map((v: any) => [v.name, v.status, v.headPosition])).toEqual([
        ['timeline', 'running', 9],
        ['tallies', 'running', 9],
      ]);
    },
    SLOW,
  );

  it(
    'verifies a read model: passes, then fails naming the row tampered with',
    async () => {
      const passed = await cli(seeded, 'projections', 'verify', 'timeline');
      expect(passed.code).toBe(0);
      expect(passed.stdout).toMatch(/^verify timeline: passed: .*\(0 differences, position 9\)$/m);

      const incident = await withStore(seeded, async (store) => {
        const row = await sql<{ incident_id: string }>`
          select incident_id from read_model.timeline order by incident_id limit 1`.execute(
          store.db,
        );
        const id = row.rows[0]!.incident_id;
        await sql`update read_model.timeline set summary = 'tampered' where incident_id = ${id}`.execute(
          store.db,
        );
        return id;
      });
      const failed = await cli(seeded, 'projections', 'verify', 'timeline');
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/^verify timeline: FAILED: 2 rows differ/m);
      expect(failed.stdout).toContain(`timeline:${incident}/1 (live)`);
      expect(failed.stdout).toContain(`timeline:${incident}/1 (rebuilt)`);
      expect(failed.stderr).toMatch(/^error: verify timeline failed: 2 differences$/m);
      const list = JSON.parse((await cli(seeded, 'projections', 'list', '--json')).stdout);
      expect(list[0].verify).toMatchObject({ status: 'failed', differences: 2 });
    },
    SLOW,
  );

  it(
    'rebuilds a read model from the log, with plain progress lines on a stderr that is no TTY',
    async () => {
      // Brings the live tallies up to the head incrementally, then compares: equal.
      expect((await cli(seeded, 'projections', 'verify', 'tallies')).code).toBe(0);
      const incremental = await withStore(seeded, async (store) => {
        const rows = await tallyRows(store);
        await sql`update read_model.tally_released set count = count + 1000`.execute(store.db);
        return rows;
      });
      const rebuilt = await cli(seeded, 'projections', 'rebuild', 'tallies', '--batch-size', '2');
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.stdout).toMatch(/^rebuild tallies: done: .*status running at position 9$/m);
      const progress = rebuilt.stderr.split('\n').filter((l) => /^rebuild tallies: /.test(l));
      expect(progress.length).toBeGreaterThanOrEqual(4);
      expect(progress[0]).toBe('rebuild tallies:   0% 0/9 events');
      expect(progress.some((l) => /^rebuild tallies: +[1-9]\d?% [1-8]\/9 events/.test(l))).toBe(
        true,
      );
      expect(progress[progress.length - 1]).toMatch(/^rebuild tallies: 9\/9 events in \d+s/);
      expect(rebuilt.stderr).not.toContain('\r');

      await withStore(seeded, async (store) => {
        expect(await tallyRows(store)).toBe(incremental);
        const released = await sql<{ party: string; n: number }>`
          select r.party, sum(r.count)::int as n from read_model.tally_released r
            join read_model.tally_incidents i using (incident_id, version)
           where i.valid_to is null group by r.party order by r.party`.execute(store.db);
        expect(released.rows).toEqual([
          { party: 'RU', n: 307 },
          { party: 'UA', n: 307 },
        ]);
      });
      const list = JSON.parse((await cli(seeded, 'projections', 'list', '--json')).stdout);
      expect(list[1]).toMatchObject({ name: 'tallies', status: 'running', position: 9, lag: 0 });
    },
    SLOW,
  );

  it(
    'pauses, resumes and retries, refusing what the status does not allow',
    async () => {
      const paused = await cli(seeded, 'projections', 'pause', 'tallies');
      expect(paused).toMatchObject({ code: 0, stderr: '' });
      expect(paused.stdout).toMatch(/^tallies: paused; status paused/);
      const again = await cli(seeded, 'projections', 'pause', 'tallies');
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        'error: Projection tallies is paused; it can be paused only when running.\n',
      );
      const rebuild = await cli(seeded, 'projections', 'rebuild', 'tallies');
      expect(rebuild.code).toBe(1);
      expect(rebuild.stderr).toMatch(/it can be rebuilt only when running or failed/);
      const resumed = await cli(seeded, 'projections', 'resume', 'tallies');
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(/^tallies: resumed; status running/);
      const retry = await cli(seeded, 'projections', 'retry', 'tallies');
      expect(retry.code).toBe(1);
      expect(retry.stderr).toBe(
        'error: Projection tallies is running; it can be retried only when failed.\n',
      );
      expect(retry.stderr).not.toMatch(/\n\s+at /);
    },
    SLOW,
  );

  // Only PostgreSQL has several processes on one store: the embedded one has one user at a time.
  (kind === 'postgres' ? it : it.skip)(
    'follows a dry run that a service instance holding the projection runs',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'timeline-cli-app-'));
      await withStore(seeded, async (store) => {
        const app = await createApp(
          { ...loadConfig({}), dataDir, apiKeys: [], logLevel: 'silent', runProjections: true },
          store,
          { logger: false },
        );
        try {
          const runners = app.get(ProjectionsService).runners;
          while (!runners.every((r) => r.active)) await new Promise((r) => setTimeout(r, 20));
          const verify = await cli(seeded, 'projections', 'verify', 'tallies');
          expect(verify.code).toBe(0);
          expect(verify.stdout).toMatch(/^verify tallies: passed \(run by another process\): /m);
          expect(verify.stderr).toMatch(
            /^verify tallies: another process \(a service instance\) holds the projection/m,
          );
        } finally {
          await app.close();
          await rm(dataDir, { recursive: true, force: true });
        }
      });
    },
    SLOW,
  );

  it(
    'makes a key whose secret is printed once and authenticates, keeping only its hash',
    async () => {
      const made = await cli(seeded, 'keys', 'create', '--name', 'analyst', '--role', 'reader');
      expect(made.code).toBe(0);
      const secret = made.stdout.trim();
      expect(secret).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);
      expect(made.stderr).toMatch(/key analyst \(reader\) created/);
      const duplicate = await cli(seeded, 'keys', 'create', '--name', 'analyst', '--role', 'ops');
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toMatch(/a key named analyst already exists/);

      const dataDir = await mkdtemp(join(tmpdir(), 'timeline-cli-app-'));
      await withStore(seeded, async (store) => {
        const rows = await sql<Record<string, unknown>>`
          select * from service.api_keys where name = 'analyst'`.execute(store.db);
        expect(rows.rows).toHaveLength(1);
        expect(rows.rows[0]).toMatchObject({
          roles: ['reader'],
          secret_hash: createHash('sha256').update(secret).digest('hex'),
        });
        expect(JSON.stringify(rows.rows)).not.toContain(secret);

        const app = await createApp(
          { ...loadConfig({}), dataDir, apiKeys: [], logLevel: 'silent', runProjections: false },
          store,
          { logger: false },
        );
        try {
          await app.listen({ port: 0, host: '127.0.0.1' });
          const address = app.getHttpServer().address();
          if (!address || typeof address === 'string') throw new Error('no address');
          const get = (key: string) =>
            fetch(`http://127.0.0.1:${address.port}/v1/events?limit=1`, {
              headers: { authorization: `Bearer ${key}` },
            });
          expect((await get(secret)).status).toBe(200);
          expect((await get(`${secret}x`)).status).toBe(401);
        } finally {
          await app.close();
          await rm(dataDir, { recursive: true, force: true });
        }
      });
    },
    SLOW,
  );

  it(
    'exports the log and imports it into a fresh store; a second import skips everything',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'timeline-cli-export-'));
      try {
        const file = join(dir, 'log.ndjson');
        const exported = await cli(seeded, 'export', '--out', file);
        expect(exported.code).toBe(0);
        expect(exported.stdout).toBe('');
        expect(exported.stderr).toMatch(/^export: 9 events \(.+\) to .*log\.ndjson in \d+s$/m);
        const text = await readFile(file, 'utf8');
        expect(text.trimEnd().split('\n')).toHaveLength(9);
        const toStdout = await cli(seeded, 'export');
        expect(toStdout.code).toBe(0);
        expect(toStdout.stdout).toBe(text);

        const fresh = await makeStore(kind);
        others.push(fresh);
        const imported = await cli(fresh, 'import', file);
        expect(imported.code).toBe(0);
        expect(imported.stdout).toBe('imported 9 events, skipped 0 already there\n');
        expect(imported.stderr).toMatch(/^import: .* \(9 lines\) in \d+s$/m);
        const again = await cli(fresh, 'import', file);
        expect(again.code).toBe(0);
        expect(again.stdout).toBe('imported 0 events, skipped 9 already there\n');
        const fromStdin = await run(process.execPath, [CLI, 'import', '-'], {
          env: fresh.env,
          input: text,
        });
        expect(fromStdin.code).toBe(0);
        expect(fromStdin.stdout).toBe('imported 0 events, skipped 9 already there\n');
        const log = (store: Store) =>
          sql<{ row: string }>`
            select jsonb_build_array(event_id, stream_id, stream_version, type, data, metadata,
                                     occurred_at, recorded_at)::text as row
              from event_store.events order by position`
            .execute(store.db)
            .then((r) => r.rows.map((x) => x.row));
        const source = await withStore(seeded, log);
        expect(await withStore(fresh, log)).toEqual(source);

        const broken = join(dir, 'broken.ndjson');
        const lines = text.trimEnd().split('\n');
        await writeFile(
          broken,
          [...lines.slice(0, 3), '{"eventId": 1}', ...lines.slice(3)].join('\n'),
        );
        const stopped = await cli(fresh, 'import', broken);
        expect(stopped.code).toBe(1);
        expect(stopped.stderr).toMatch(
          /^error: import stopped at line 4: .*eventId must be a UUID.*Before it, 0 imported, 3 skipped/m,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});

describe('the CLI without its store', () => {
  it(
    'answers usage errors with exit code 2 before touching the store',
    async () => {
      const cases: [string[], RegExp][] = [
        [['frobnicate'], /unknown command 'frobnicate'/],
        [['projections'], /projections needs a command/],
        [['projections', 'rebuild'], /missing required argument 'name'/],
        [
          ['projections', 'verify', 'nosuch'],
          /there is no projection "nosuch"; projections are timeline, tallies/,
        ],
        [['projections', 'pause', 'tallies', 'extra'], /too many arguments/],
        [['projections', 'rebuild', 'tallies', '--batch-size', '0'], /--batch-size must be/],
        [['keys', 'create', '--role', 'reader'], /required option '--name <name>' not specified/],
        [['keys', 'create', '--name', 'x', '--role', 'admin'], /unknown role "admin"/],
        [['export', '--frob'], /unknown option '--frob'/],
        [['export', '--out', join(tmpdir(), 'no-such-dir', 'log.ndjson')], /--out: cannot write/],
        [['import'], /missing required argument 'file'/],
        [['import', join(tmpdir(), 'no-such-file.ndjson')], /cannot read .*no-such-file\.ndjson/],
      ];
      // Nothing may open the store: an unreachable one would make these exit 3.
      const env = cliEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' });
      for (const [args, message] of cases) {
        const result = await run(process.execPath, [CLI, ...args], { env });
        expect({ args, code: result.code }).toEqual({ args, code: 2 });
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      const help = await run(process.execPath, [CLI, 'projections', '--help'], { env });
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/rebuild \[options\] <name>/);
    },
    SLOW,
  );
  it(
    'exits 3 with a clear message when PostgreSQL does not answer',
    async () => {
      // A port nothing listens on: bound, then released.
      const port = await new Promise<number>((resolvePort) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          server.close(() =>
            resolvePort(typeof address === 'object' && address ? address.port : 9),
          );
        });
      });
      const result = await run(process.execPath, [CLI, 'projections', 'list'], {
        env: cliEnv({ DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/timeline_test` }),
      });
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `error: cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:${port}/timeline_test: connect ECONNREFUSED 127.0.0.1:${port} (is the server up, and DATABASE_URL right?)\n`,
      );
    },
    SLOW,
  );
});
