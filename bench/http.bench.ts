/**
 * Commands over HTTP against the built service (dist/src/main.js) on a fresh PostgreSQL database:
 * single `report-strike` commands from autocannon at 64 connections, then POST /v1/batch with 1,000
 * commands per request, then a plain multi-row INSERT of the same rows as the batch's baseline.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node dist/bench/http.bench.js [--seconds 10] [--batch-requests 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { validateCommand } from '../src/timeline';
import { benchMultiRowInsert } from './insert.bench';
import {
  createBenchDatabase,
  describeMachine,
  flagValue,
  fmt,
  rate,
  sampleStrike,
  secondsSince,
} from './harness';

const KEY = 'bench-writer-secret-0123456789abcdef';

/** What the service runs with, for the report. */
export const SERVICE_SETTINGS =
  'TIMELINE_PROJECTIONS=off (the write path alone), TIMELINE_RATE_LIMIT=0, LOG_LEVEL=info (one line per request, to a file), TIMELINE_POOL_SIZE=16 (default)';

interface Service {
  url: string;
  child: ChildProcess;
  logFile: string;
}

export interface HttpOptions {
  connections: number;
  seconds: number;
  warmUpSeconds: number;
  batchRequests: number;
  commandsPerBatch: number;
  batchConcurrency: number;
}

export interface HttpResult {
  commandsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  batchEventsPerSecond: number;
  multiRowInsertRowsPerSecond: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitUntilReady(service: Service, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(
        `the service exited with ${service.child.exitCode}:\n${tailOf(service.logFile)}`,
      );
    }
    const ready = await fetch(`${service.url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service was not ready in ${timeoutMs} ms:\n${tailOf(service.logFile)}`);
}

/** Starts the built service on a free port with a writer key; resolves once /health/ready is 200. */
export async function startService(databaseUrl: string): Promise<Service> {
  const port = await freePort();
  const logFile = join(tmpdir(), `timeline-http-bench-${process.pid}-${port}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      TIMELINE_API_KEYS: `bench:writer:${KEY}`,
      TIMELINE_RATE_LIMIT: '0',
      TIMELINE_PROJECTIONS: 'off',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const service = { url: `http://127.0.0.1:${port}`, child, logFile };
  try {
    await waitUntilReady(service, 60_000);
  } catch (error) {
    await stopService(service);
    throw error;
  }
  return service;
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s; removes its log. */
export async function stopService(service: Service): Promise<void> {
  const { child } = service;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(service.logFile, { force: true });
}

/** The bodies sent are sampleStrike(i): one that the command DTOs reject fails before any load. */
function assertValidStrike(): void {
  const validation = validateCommand('report-strike', sampleStrike(0));
  if (!validation.ok) {
    throw new Error(`the bench's strike body is invalid: ${JSON.stringify(validation.errors)}`);
  }
}

function failOnErrors(what: string, result: autocannon.Result): void {
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) {
    throw new Error(
      `${what}: ${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodeStats ?? {})}), ${result.errors} errors, ${result.timeouts} timeouts: every request must succeed`,
    );
  }
}

/** Every body sent in this process is different (warm-up and measured runs alike). */
let strikesSent = 0;

async function driveCommands(
  service: Service,
  connections: number,
  seconds: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: `${service.url}/v1/commands/report-strike`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify(sampleStrike(strikesSent++)),
        }),
      },
    ],
  });
}

/** Single commands at `connections` connections: requests/s, p50 and p99; fails on any non-2xx. */
export async function benchHttpCommands(
  service: Service,
  options: Pick<HttpOptions, 'connections' | 'seconds' | 'warmUpSeconds'>,
): Promise<Pick<HttpResult, 'commandsPerSecond' | 'p50Ms' | 'p99Ms' | 'requests'>> {
  assertValidStrike();
  failOnErrors('warm-up', await driveCommands(service, options.connections, options.warmUpSeconds));
  const result = await driveCommands(service, options.connections, options.seconds);
  failOnErrors(`report-strike at ${options.connections} connections`, result);
  return {
    commandsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
  };
}

function batchBody(request: number, commands: number): string {
  return JSON.stringify({
    commands: Array.from({ length: commands }, (_, k) => ({
      command: 'report-strike',
      body: sampleStrike(request * commands + k),
    })),
  });
}

async function postBatch(service: Service, body: string): Promise<void> {
  const response = await fetch(`${service.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST /v1/batch answered ${response.status}: ${text.slice(0, 500)}`);
  }
}

/** POST /v1/batch with `commandsPerBatch` commands each (bodies built beforehand): events/s. */
export async function benchHttpBatch(
  service: Service,
  options: Pick<HttpOptions, 'batchRequests' | 'commandsPerBatch' | 'batchConcurrency'>,
): Promise<number> {
  await postBatch(service, batchBody(0, options.commandsPerBatch));
  const bodies = Array.from({ length: options.batchRequests }, (_, i) =>
    batchBody(i + 1, options.commandsPerBatch),
  );
  const result = await rate(bodies.length, options.batchConcurrency, (i) =>
    postBatch(service, bodies[i]!),
  );
  return result.perSecond * options.commandsPerBatch;
}

/** The service on a fresh database: single commands, batches, and the multi-row INSERT baseline. */
export async function benchHttp(options: HttpOptions): Promise<HttpResult> {
  const database = await createBenchDatabase('timeline_http_bench');
  try {
    const service = await startService(database.url);
    let commands: Awaited<ReturnType<typeof benchHttpCommands>>;
    let batchEventsPerSecond: number;
    try {
      commands = await benchHttpCommands(service, options);
      batchEventsPerSecond = await benchHttpBatch(service, options);
    } finally {
      await stopService(service);
    }
    const multiRowInsertRowsPerSecond = await benchMultiRowInsert(database.url, {
      statements: options.batchRequests,
      rowsPerStatement: options.commandsPerBatch,
      concurrency: options.batchConcurrency,
    });
    return { ...commands, batchEventsPerSecond, multiRowInsertRowsPerSecond };
  } finally {
    await database.drop();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const started = process.hrtime.bigint();
  benchHttp({
    connections: Number(flagValue(argv, '--connections') ?? 64),
    seconds: Number(flagValue(argv, '--seconds') ?? 10),
    warmUpSeconds: 2,
    batchRequests: Number(flagValue(argv, '--batch-requests') ?? 30),
    commandsPerBatch: 1000,
    batchConcurrency: 2,
  })
    .then((r) => {
      console.log(describeMachine());
      console.log(
        `report-strike: ${fmt(r.commandsPerSecond)} requests/s, p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms (${fmt(r.requests)} requests, all 2xx)`,
      );
      console.log(
        `/v1/batch: ${fmt(r.batchEventsPerSecond)} events/s; multi-row INSERT: ${fmt(r.multiRowInsertRowsPerSecond)} rows/s (${fmt(secondsSince(started), 1)} s in all)`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
