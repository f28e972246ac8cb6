import { createHash, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_COMMANDS } from '../db/seeds/demo-report';
import { startTestApp, TEST_KEYS, type Answer, type KeyName, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

/** Who may call a route. `ops` may call everything; `public` needs no key. */
type Access = 'public' | 'writer' | 'reader' | 'ops';

/** Ids of things that exist in the store, made once per store before the matrix runs. */
interface Fixture {
  streamId: string;
  eventId: string;
  incidentId: string;
  position: number;
}

/** One route of the matrix. Add a route by adding one line to ROUTES. */
interface Route {
  method: 'GET' | 'POST';
  path: (f: Fixture) => string;
  access: Access;
  /** A valid body, made afresh for every request (commands need a new incident each time). */
  body?: () => unknown;
  /** A raw body and its content type, for routes that do not take JSON. */
  raw?: { body: string; contentType: string };
  /** A stream (SSE, NDJSON): only the status and headers are read, and a problem's body. */
  stream?: boolean;
  /** The status a key with the role gets. */
  ok: number;
}

/** A new incident's body: a demo body with fresh ids. */
function newIncident(): { command: string; body: Record<string, unknown> } {
  const demo = DEMO_COMMANDS.find((c) => c.command === 'report-casualties')!;
  return {
    command: demo.command,
    body: { ...structuredClone(demo.body), incidentId: randomUUID(), eventId: randomUUID() },
  };
}

/** Reads waiting for the projections to have processed the fixture. */
const fresh = (f: Fixture): string => `minPosition=${f.position}&waitMs=10000`;

const ROUTES: Route[] = [
  // write side
  {
    method: 'POST',
    path: () => '/v1/commands/report-casualties',
    access: 'writer',
    body: () => newIncident().body,
    ok: 201,
  },
  {
    method: 'POST',
    path: () => '/v1/batch',
    access: 'writer',
    body: () => ({ commands: [newIncident()] }),
    ok: 201,
  },
  // the log
  { method: 'GET', path: (f) => `/v1/streams/${f.streamId}`, access: 'reader', ok: 200 },
  { method: 'GET', path: () => '/v1/events', access: 'reader', ok: 200 },
  { method: 'GET', path: (f) => `/v1/events/${f.eventId}`, access: 'reader', ok: 200 },
  { method: 'GET', path: () => '/v1/events/live', access: 'reader', stream: true, ok: 200 },
  // read models
  { method: 'GET', path: (f) => `/v1/timeline?${fresh(f)}`, access: 'reader', ok: 200 },
  {
    method: 'GET',
    path: (f) => `/v1/timeline/${f.incidentId}?${fresh(f)}`,
    access: 'reader',
    ok: 200,
  },
  { method: 'GET', path: (f) => `/v1/tallies/casualties?${fresh(f)}`, access: 'reader', ok: 200 },
  { method: 'GET', path: () => '/v1/tallies/prisoners', access: 'reader', ok: 200 },
  // ops
  { method: 'GET', path: () => '/v1/projections', access: 'ops', ok: 200 },
  {
    method: 'POST',
    path: () => '/v1/projections/tallies/rebuild?dryRun=true',
    access: 'ops',
    ok: 202,
  },
  { method: 'POST', path: () => '/v1/projections/timeline/pause', access: 'ops', ok: 200 },
  { method: 'POST', path: () => '/v1/projections/timeline/resume', access: 'ops', ok: 200 },
  // NDJSON, which the harness would try to parse as JSON: read as a stream.
  { method: 'GET', path: () => '/v1/export', access: 'ops', stream: true, ok: 200 },
  {
    method: 'POST',
    path: () => '/v1/import',
    access: 'ops',
    raw: { body: '', contentType: 'application/x-ndjson' },
    ok: 200,
  },
  // operations
  { method: 'GET', path: () => '/health/live', access: 'public', ok: 200 },
  { method: 'GET', path: () => '/health/ready', access: 'public', ok: 200 },
  { method: 'GET', path: () => '/docs', access: 'public', ok: 200 },
  { method: 'GET', path: () => '/docs/openapi.json', access: 'public', ok: 200 },
  // Not there yet — one line each when they are:
  //   { method: 'GET', path: () => '/metrics', access: 'public', ok: 200 },
  //   { method: 'GET', path: () => '/', access: 'public', ok: 200 }, (the dashboard)
];

/** The caller of one cell of the matrix. */
type Caller = 'no key' | 'wrong key' | 'writer' | 'reader' | 'ops';
const CALLERS: Caller[] = ['no key', 'wrong key', 'writer', 'reader', 'ops'];

function expectedStatus(route: Route, caller: Caller): number {
  if (route.access === 'public') return route.ok;
  if (caller === 'no key' || caller === 'wrong key') return 401;
  if (caller === 'ops' || caller === route.access) return route.ok;
  return 403;
}

function expectProblem(answer: Answer, type: string, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type, status });
  expect(typeof answer.body.title).toBe('string');
  expect(typeof answer.body.detail).toBe('string');
}

const PLACEHOLDERS: Fixture = {
  streamId: '{streamId}',
  eventId: '{eventId}',
  incidentId: '{incidentId}',
  position: 0,
};
const MATRIX = ROUTES.flatMap((route) => CALLERS.map((caller) => ({ route, caller })));

describe.each(storesUnderTest())('authentication and roles on %s', (kind) => {
  let t: TestApp;
  const fixture: Fixture = { streamId: '', eventId: '', incidentId: '', position: 0 };

  beforeAll(async () => {
    t = await startTestApp(kind);
    const created = await t.request('POST', '/v1/commands/report-casualties', {
      key: 'writer',
      body: newIncident().body,
    });
    expect(created.status).toBe(201);
    fixture.streamId = created.body.streamId;
    fixture.eventId = created.body.events[0].eventId;
    fixture.incidentId = created.body.incidentId;
    fixture.position = created.body.position;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function call(route: Route, caller: Caller): Promise<Answer> {
    const key: KeyName | null = caller === 'no key' || caller === 'wrong key' ? null : caller;
    const headers: Record<string, string> =
      caller === 'wrong key' ? { authorization: `Bearer wrong-${TEST_KEYS.ops}` } : {};
    if (route.stream) {
      if (key) headers.authorization = `Bearer ${TEST_KEYS[key]}`;
      const abort = new AbortController();
      const response = await fetch(`${t.url}${route.path(fixture)}`, {
        headers,
        signal: abort.signal,
      });
      const problem = /^application\/(problem\+)?json/.test(
        response.headers.get('content-type') ?? '',
      );
      const text = problem ? await response.text() : '';
      abort.abort();
      return {
        status: response.status,
        headers: response.headers,
        body: problem ? JSON.parse(text) : undefined,
        text,
      };
    }
    if (route.raw) headers['content-type'] = route.raw.contentType;
    return t.request(route.method, route.path(fixture), {
      key,
      headers,
      ...(route.body ? { body: route.body() } : {}),
      ...(route.raw ? { raw: route.raw.body } : {}),
    });
  }

  it.each(MATRIX.map((c) => [c.route.method, c.route.path(PLACEHOLDERS), c.caller, c] as const))(
    '%s %s with %s',
    async (_method, _path, _caller, { route, caller }) => {
      const answer = await call(route, caller);
      const status = expectedStatus(route, caller);
      if (status === 401) {
        expectProblem(answer, '/problems/unauthorized', 401);
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      } else if (status === 403) {
        expectProblem(answer, '/problems/forbidden', 403);
      } else {
        expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
      }
    },
  );

  it('refuses a malformed Authorization header and a key of another scheme with 401', async () => {
    for (const authorization of [
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from(`u:${TEST_KEYS.ops}`).toString('base64')}`,
      `Bearer ${TEST_KEYS.ops} extra`,
      TEST_KEYS.ops,
    ]) {
      const answer = await t.request('GET', '/v1/events', {
        key: null,
        headers: { authorization },
      });
      expectProblem(answer, '/problems/unauthorized', 401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('lets a key with several roles use each of them (ingest = writer + reader)', async () => {
    const write = await t.request('POST', '/v1/commands/report-casualties', {
      key: 'ingest',
      body: newIncident().body,
    });
    expect(write.status).toBe(201);
    expect((await t.request('GET', '/v1/events', { key: 'ingest' })).status).toBe(200);
  });
});

describe.each(storesUnderTest())('rate limit on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { rateLimitPerMinute: 3 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the 4th request of a key in a minute with 429 and Retry-After; other keys are unaffected', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await t.request('GET', '/v1/events', { key: 'reader' })).status).toBe(200);
    }
    const limited = await t.request('GET', '/v1/events', { key: 'reader' });
    expectProblem(limited, '/problems/rate-limited', 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Still limited, on every route.
    const write = await t.request('POST', '/v1/commands/report-casualties', {
      key: 'reader',
      body: newIncident().body,
    });
    expect(write.status).toBe(429);

    expect((await t.request('GET', '/v1/events', { key: 'ingest' })).status).toBe(200);
    const other = await t.request('POST', '/v1/commands/report-casualties', {
      key: 'writer',
      body: newIncident().body,
    });
    expect(other.status).toBe(201);
    // Routes without a key are not counted against anyone.
    for (let i = 0; i < 5; i++) expect((await t.request('GET', '/health/live')).status).toBe(200);
  });
});

describe.each(storesUnderTest())('first start without keys on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { apiKeys: [] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('makes an ops key, leaves its secret in dataDir/ops.key (0600) and stores only its hash', async () => {
    const file = join(t.config.dataDir, 'ops.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const secret = (await readFile(file, 'utf8')).trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const bearer = { authorization: `Bearer ${secret}` };
    expect((await t.request('GET', '/v1/events', { key: null, headers: bearer })).status).toBe(200);
    const write = await t.request('POST', '/v1/commands/report-casualties', {
      key: null,
      headers: bearer,
      body: newIncident().body,
    });
    expect(write.status).toBe(201);
    expect(write.body.streamId).toMatch(/^incident-/);
    // The test keys are not configured in this app.
    expect((await t.request('GET', '/v1/events', { key: 'ops' })).status).toBe(401);

    const rows = await t.store.store.db.selectFrom('service.api_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'ops',
      roles: ['ops'],
      secret_hash: createHash('sha256').update(secret).digest('hex'),
    });
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});
