import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COMMANDS } from '../db/seeds/demo-report';

// The built service as `npm start` runs it: a child process on the embedded store.

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const SECRET = 'lifecycle-secret-0123456789abcdef';

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** A running service: its output so far, and its exit. */
interface Service {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves with the first line of output matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function startService(dataDir: string, port: number, args: string[] = []): Promise<Service> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|TIMELINE_|NODE_OPTIONS|PORT|HOST|LOG_LEVEL)/.test(name)) env[name] = value;
  }
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: {
      ...env,
      NO_COLOR: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      TIMELINE_DATA_DIR: dataDir,
      TIMELINE_API_KEYS: `lifecycle:writer+reader:${SECRET}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const waiter of [...waiters]) {
      const match = output.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const service: Service = {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    waitFor(pattern) {
      const match = output.match(pattern);
      if (match) return Promise.resolve(match);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((code) =>
          reject(new Error(`service exited (${code}) before ${pattern}:\n${output}`)),
        );
      });
    },
  };
  return service.waitFor(/listening on http:\/\/\S+/).then(() => service);
}

/** Stops a service with SIGTERM and returns its exit code. */
async function stop(service: Service): Promise<number | null> {
  if (service.child.exitCode === null) service.child.kill('SIGTERM');
  return service.exited;
}

interface Reply {
  status: number;
  body: any;
  at: number;
}

/** A request on its own connection whose last byte is held back until `finish()`. */
interface PendingRequest {
  /** Resolves once everything but the last byte is in the socket. */
  started: Promise<void>;
  /** Sends the last byte; resolves once the whole request is in the socket. */
  finish(): Promise<void>;
  answer: Promise<Reply>;
}

function open(url: string, method: string, path: string, body?: unknown): PendingRequest {
  const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body));
  let req!: ReturnType<typeof httpRequest>;
  const answer = new Promise<Reply>((resolve, reject) => {
    req = httpRequest(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${SECRET}`,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(payload.length) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : text,
            at: performance.now(),
          });
        });
      },
    );
    req.on('error', reject);
  });
  const held = payload.length > 0 ? 1 : 0;
  const started = new Promise<void>((resolve, reject) => {
    req.flushHeaders();
    req.write(payload.subarray(0, payload.length - held), (error) =>
      error ? reject(error) : resolve(),
    );
  });
  return {
    started,
    answer,
    finish: () =>
      new Promise<void>((resolve) => {
        req.end(payload.subarray(payload.length - held), () => resolve());
      }),
  };
}

/** One whole request. */
function send(url: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const request = open(url, method, path, body);
  void request.started.then(() => request.finish());
  return request.answer;
}

/** Every event in the log, paging /v1/events. */
async function readAllEvents(url: string): Promise<{ eventId: string }[]> {
  const events: { eventId: string }[] = [];
  for (let after = 0; ;) {
    const page = await send(url, 'GET', `/v1/events?after=${after}&limit=1000`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    if (page.body.next === null) return events;
    after = page.body.next;
  }
}

function statementBatch(size: number): unknown {
  const demo = DEMO_COMMANDS.find((c) => c.command === 'record-statement')!;
  return {
    commands: Array.from({ length: size }, () => ({
      command: 'record-statement',
      body: { ...structuredClone(demo.body), incidentId: randomUUID(), eventId: randomUUID() },
    })),
  };
}

describe('the built service as a process', () => {
  const dirs: string[] = [];
  const running: Service[] = [];

  async function dataDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'timeline-lifecycle-'));
    dirs.push(dir);
    return dir;
  }

  async function start(dir: string, args: string[] = []): Promise<Service> {
    const service = await startService(dir, await freePort(), args);
    running.push(service);
    return service;
  }

  beforeAll(() => {}, 180_000);

  afterAll(async () => {
    for (const service of running) {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    }
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('finishes every request in flight on SIGTERM, keeps their events, and exits 0', async () => {
    const dir = await dataDir();
    const service = await start(dir);
    const requests = Array.from({ length: 30 }, () =>
      open(service.url, 'POST', '/v1/batch', statementBatch(40)),
    );
    // Every request is on the wire but its last byte, so the server cannot start on any yet.
    await Promise.all(requests.map((r) => r.started));
    // Two probes, one after the other: when the second is answered, the server has accepted and
    // read every connection opened before the first (accepting, then reading, take a loop turn
    // each), so every request above has been received, none answered.
    for (let i = 0; i < 2; i++) {
      expect((await send(service.url, 'GET', '/health/live')).status).toBe(200);
    }
    await Promise.all(requests.map((r) => r.finish()));
    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    const settled = await Promise.allSettled(requests.map((r) => r.answer));
    // No request the server had received is dropped or refused.
    expect(
      settled.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason))),
    ).toEqual(settled.map(() => 201));
    const answers = settled.map((r) => (r as PromiseFulfilledResult<Reply>).value);
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/SIGTERM: finishing in-flight requests/);

    // The signal did come while requests were being answered.
    expect(answers.filter((a) => a.at > signalledAt).length).toBeGreaterThan(0);

    // Every answered event is in the store after a restart.
    const again = await start(dir);
    const stored = new Set((await readAllEvents(again.url)).map((e) => e.eventId));
    const answered = answers.flatMap((a) =>
      a.body.results.flatMap((r: { events: { eventId: string }[] }) =>
        r.events.map((e) => e.eventId),
      ),
    );
    expect(answered).toHaveLength(30 * 40);
    expect(answered.filter((id: string) => !stored.has(id))).toEqual([]);
    expect(await stop(again)).toBe(0);
  });

  it('loads the demo with --demo, and adds nothing the second time', async () => {
    const dir = await dataDir();
    const first = await start(dir, ['--demo']);
    expect(first.output()).toMatch(/demo data: 9 incidents appended, 0 already there/);
    const events = await readAllEvents(first.url);
    expect(events).toHaveLength(DEMO_COMMANDS.length);
    expect(await stop(first)).toBe(0);

    const second = await start(dir, ['--demo']);
    expect(second.output()).toMatch(/demo data: 0 incidents appended, 9 already there/);
    expect(await readAllEvents(second.url)).toEqual(events);
    expect(await stop(second)).toBe(0);
  });

  it('logs the port it listens on when PORT=0', async () => {
    const service = await startService(await dataDir(), 0);
    running.push(service);
    const [, port] = (await service.waitFor(
      /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    )) as string[];
    try {
      expect(Number(port)).toBeGreaterThan(0);
      const live = await send(`http://127.0.0.1:${port}`, 'GET', '/health/live');
      expect(live.status).toBe(200);
    } finally {
      expect(await stop(service)).toBe(0);
    }
  });
});
