import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';

/**
 * A pool's end() resolves before its sessions have left the server; dropping the database `with
 * (force)` then terminates them, and a pool without an error listener crashes the process. Waits
 * (up to `timeoutMs`) until no session is connected to `database`.
 */
async function waitForSessionsToClose(
  client: pg.Client,
  database: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ sessions: number }>(
      'select count(*)::int as sessions from pg_stat_activity where datname = $1',
      [database],
    );
    if (rows[0]!.sessions === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fresh database on the server named by DATABASE_URL, dropped by `drop()`. */
export async function createBenchDatabase(
  prefix = 'timeline_bench',
): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base)
    throw new Error(
      'DATABASE_URL must name a PostgreSQL database (the bench creates its own beside it)',
    );
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
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
      await waitForSessionsToClose(client, name, 5000);
      await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      await client.end();
    },
  };
}

/** Runs `task` from `concurrency` workers until `total` tasks ran; returns tasks per second. */
export async function rate(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<{ perSecond: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = process.hrtime.bigint();
        await task(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: total / seconds, latencies };
}

/** The p-th percentile (0..100) of values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Median (the mean of the middle two of an even count) and spread (min..max) of several runs. */
export function summarize(values: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: Math.min(...values), max: Math.max(...values) };
}

/** The machine, for the report. */
export function describeMachine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node.js ${process.version}`;
}

/** A ~500-byte event body like the service's (a strike report). */
export function sampleStrike(i: number): Record<string, unknown> {
  return {
    occurredAt: '2025-05-24',
    location: { country: 'UA', regions: ['UA-30'] },
    summary: `Benchmark strike ${i}: drones and missiles struck the city overnight; air defence intercepted most of them.`,
    sources: [{ name: 'Benchmark source', url: 'https://example.org/report' }],
    tags: ['bench', 'air-attack'],
    attacker: 'RU',
    weapons: [
      { kind: 'drone', model: 'Shahed-136/131', launched: 100 + (i % 50), intercepted: 90 },
      { kind: 'ballistic_missile', launched: 6, intercepted: 4 },
    ],
    casualties: [{ region: 'UA-30', injured: i % 20, atLeast: true }],
  };
}

/** A figure for the report: thousands separated, `digits` decimals, a dash when not a number. */
export function fmt(n: number, digits = 0): string {
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
}

/** "median (min–max)" of several runs, for a report cell. */
export function spread(values: readonly number[], digits = 0): string {
  const s = summarize(values);
  return values.length > 1
    ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
    : fmt(s.median, digits);
}

/** The value after `flag` in argv (`--flag value`), if given. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Seconds since `start` (a process.hrtime.bigint() reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Metadata like the service's, so stored rows have the real shape. */
export function sampleMetadata(): Record<string, unknown> {
  return { actor: 'bench', correlationId: randomUUID(), requestId: randomUUID(), schemaVersion: 1 };
}

/**
 * Runs a compiled bench script in its own Node.js process and returns the JSON it prints as its
 * last line of stdout (its own memory and globals: pg type parsers, peak RSS).
 */
export function runWorker<T>(script: string, args: readonly string[], env: NodeJS.ProcessEnv): T {
  const out = execFileSync(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  }).toString();
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}
