import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { sql } from 'kysely';
import pg from 'pg';
import { DEMO_COMMANDS } from '../db/seeds/demo-report';
import { COMMAND_NAMES } from '../src/timeline';
import { startTestApp, TEST_KEYS, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

const MiB = 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/**
 * An HTTP request with full control over the bytes and headers (fetch adds a content-type to
 * string bodies). Resolves with the answer; rejects on a connection error.
 */
function send(
  url: string,
  path: string,
  options: { body?: Buffer | string; headers?: Record<string, string>; key?: string | null } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? TEST_KEYS.writer : options.key;
  if (key) headers.authorization = `Bearer ${key}`;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? Buffer.from(options.body, 'utf8')
        : options.body;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        if (/json/.test(String(res.headers['content-type'])) && text !== '')
          parsed = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and close before reading everything we send.
    req.on('error', reject);
    req.end(body);
  });
}

/** Every 4xx and 5xx is RFC 9457 problem+json with type, title, status and detail. */
function expectProblem(answer: RawAnswer, type: string, status: number): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({
    status,
    body: { type, status, title: expect.any(String), detail: expect.any(String) },
  });
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** A JSON body of exactly `bytes` bytes: a valid strike report whose summary pads it out. */
function jsonOfSize(bytes: number, base: Record<string, unknown>): string {
  const empty = JSON.stringify({ ...base, summary: '' });
  const pad = bytes - Buffer.byteLength(empty);
  if (pad < 0) throw new Error('base too large');
  const text = JSON.stringify({ ...base, summary: 'x'.repeat(pad) });
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

function demoBody(command: string): Record<string, unknown> {
  const demo = DEMO_COMMANDS.find((c) => c.command === command)!;
  return { ...structuredClone(demo.body), incidentId: randomUUID(), eventId: randomUUID() };
}

/** A batch of `count` statements, each about `text` + 2000 characters. */
function bigBatch(count: number, text: number): string {
  const commands = Array.from({ length: count }, () => ({
    command: 'record-statement',
    body: {
      ...demoBody('record-statement'),
      text: 't'.repeat(text),
      summary: 's'.repeat(2000),
    },
  }));
  return JSON.stringify({ commands });
}

describe.each(storesUnderTest())('limits and malformed requests on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function countEvents(): Promise<number> {
    const row = await t.store.store.db
      .selectFrom('event_store.events')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  const json = { 'content-type': 'application/json' };

  describe('body size', () => {
    it('answers 413 for a command body of 1 MiB + 1 byte, and reads one of exactly 1 MiB', async () => {
      const base = demoBody('report-strike');
      const over = await send(t.url, '/v1/commands/report-strike', {
        body: jsonOfSize(MiB + 1, base),
        headers: json,
      });
      expectProblem(over, '/problems/payload-too-large', 413);
      // Exactly 1 MiB is read and validated (the summary is too long).
      const limit = await send(t.url, '/v1/commands/report-strike', {
        body: jsonOfSize(MiB, base),
        headers: json,
      });
      expectProblem(limit, '/problems/validation', 400);
      expect(limit.body.errors).toEqual([expect.objectContaining({ path: 'summary' })]);
    });

    it('accepts a batch of about 7 MiB', async () => {
      const body = bigBatch(1000, 5000);
      expect(Buffer.byteLength(body)).toBeGreaterThan(6.9 * MiB);
      expect(Buffer.byteLength(body)).toBeLessThan(8 * MiB);
      const before = await countEvents();
      const answer = await send(t.url, '/v1/batch', { body, headers: json });
      expect(answer.status).toBe(201);
      expect(answer.body.results).toHaveLength(1000);
      expect(await countEvents()).toBe(before + 1000);
    });

    it('answers 413 for a batch over 8 MiB', async () => {
      const body = bigBatch(1000, 5000).replace(/^\{/, `{"pad":"${'p'.repeat(MiB)}",`);
      expect(Buffer.byteLength(body)).toBeGreaterThan(8 * MiB);
      const before = await countEvents();
      const answer = await send(t.url, '/v1/batch', { body, headers: json });
      expectProblem(answer, '/problems/payload-too-large', 413);
      expect(await countEvents()).toBe(before);
    });
  });

  describe('media type', () => {
    const body = JSON.stringify(demoBody('report-strike'));
    it.each([
      ['text/plain', 'text/plain'],
      ['UTF-16 JSON', 'application/json; charset=utf-16'],
      ['form data', 'application/x-www-form-urlencoded'],
    ])('answers 415 for %s', async (_name, contentType) => {
      const answer = await send(t.url, '/v1/commands/report-strike', {
        body,
        headers: { 'content-type': contentType },
      });
      expectProblem(answer, '/problems/unsupported-media-type', 415);
    });

    it('answers 415 for a body without a content-type', async () => {
      const answer = await send(t.url, '/v1/commands/report-strike', { body });
      expectProblem(answer, '/problems/unsupported-media-type', 415);
    });

    it('accepts application/json with charset=utf-8', async () => {
      const answer = await send(t.url, '/v1/commands/report-strike', {
        body: JSON.stringify(demoBody('report-strike')),
        headers: { 'content-type': 'application/json; charset=UTF-8' },
      });
      expect(answer.status).toBe(201);
    });
  });

  describe('malformed bodies', () => {
    it.each([
      ['malformed JSON', '{"summary": '],
      ['trailing garbage', '{"summary": "x"} x'],
      ['an empty body', ''],
      ['a __proto__ key', '{"__proto__": {"admin": true}, "summary": "x"}'],
      ['a nested __proto__ key', '{"location": {"__proto__": {"country": "UA"}}}'],
      ['a constructor.prototype key', '{"constructor": {"prototype": {"admin": true}}}'],
      ['a constructor key', '{"summary": {"constructor": {}}}'],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ])('answers 400 for %s', async (_name, body) => {
      const before = await countEvents();
      const answer = await send(t.url, '/v1/commands/report-strike', { body, headers: json });
      expectProblem(answer, '/problems/validation', 400);
      expect(await countEvents()).toBe(before);
    });

    it.each([
      ['an array', '[]'],
      ['a string', '"report"'],
      ['null', 'null'],
      ['a number', '42'],
    ])('answers 400 for %s as the body', async (_name, body) => {
      for (const path of ['/v1/commands/report-strike', '/v1/batch']) {
        const answer = await send(t.url, path, { body, headers: json });
        expectProblem(answer, '/problems/validation', 400);
      }
    });

    it('answers 400 for deeply nested garbage', async () => {
      const depth = 100_000;
      for (const nested of [
        '['.repeat(depth) + ']'.repeat(depth),
        '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
      ]) {
        for (const field of ['location', 'weapons', 'summary']) {
          const body = JSON.stringify(demoBody('report-strike')).replace(
            /^\{/,
            `{"${field}x":${nested},`,
          );
          const answer = await send(t.url, '/v1/commands/report-strike', { body, headers: json });
          expect(answer.status).toBe(400);
        }
        const batch = await send(t.url, '/v1/batch', {
          body: `{"commands":[{"command":"report-strike","body":${nested}}]}`,
          headers: json,
        });
        expect(batch.status).toBe(400);
      }
    });

    it('answers 400 for a huge number where a count goes', async () => {
      const body = JSON.stringify(demoBody('report-casualties')).replace(
        /"killed":4/,
        '"killed":1e400',
      );
      expect(body).toContain('1e400');
      const answer = await send(t.url, '/v1/commands/report-casualties', { body, headers: json });
      expectProblem(answer, '/problems/validation', 400);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ path: 'casualties[0].killed' }),
      ]);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers 400 for a key over 200 characters and takes one of 200', async () => {
      const body = JSON.stringify(demoBody('report-strike'));
      const long = await send(t.url, '/v1/commands/report-strike', {
        body,
        headers: { ...json, 'idempotency-key': 'k'.repeat(201) },
      });
      expectProblem(long, '/problems/validation', 400);
      expect(long.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
      const ok = await send(t.url, '/v1/commands/report-strike', {
        body,
        headers: { ...json, 'idempotency-key': 'k'.repeat(200) },
      });
      expect(ok.status).toBe(201);
    });

    it('keeps and replays a 400 naming fields with a NUL or a lone surrogate in their names', async () => {
      const body = '{"a\\u0000b": 1, "x\\ud800": 2}';
      const headers = { ...json, 'idempotency-key': `nul-${kind}` };
      const first = await send(t.url, '/v1/commands/report-strike', { body, headers });
      expectProblem(first, '/problems/validation', 400);
      expect(first.body.errors).toEqual(
        expect.arrayContaining([
          { path: 'a\\u0000b', message: 'is not an allowed field' },
          { path: 'x\\ud800', message: 'is not an allowed field' },
        ]),
      );
      const again = await send(t.url, '/v1/commands/report-strike', { body, headers });
      expect(again.status).toBe(400);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
    });
  });

  describe('problem documents', () => {
    it('answers every client error with problem+json', async () => {
      const cases: [string, Parameters<typeof send>[2], number][] = [
        ['/v1/commands/nope', { body: '{}', headers: json }, 404],
        ['/v1/commands/report-strike', { body: '{}', headers: json, key: null }, 401],
        ['/v1/commands/report-strike', { body: '{}', headers: json, key: TEST_KEYS.reader }, 403],
        ['/v1/commands/report-strike', { body: '{}', headers: json }, 400],
        ['/v1/nothing-here', { body: '{}', headers: json }, 404],
      ];
      for (const [path, options, status] of cases) {
        const answer = await send(t.url, path, options);
        expect({ path, status: answer.status }).toEqual({ path, status });
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(answer.body).toEqual(
          expect.objectContaining({
            type: expect.stringMatching(/^\/problems\//),
            title: expect.any(String),
            status,
            detail: expect.any(String),
          }),
        );
      }
    });
  });

  describe('fuzz', () => {
    // A valid body, then one field replaced by anything, or garbage of every shape.
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const weird = fc.oneof(
      anyJson,
      fc.constantFrom(
        1e308,
        -1e308,
        Number.MAX_SAFE_INTEGER + 2,
        -1,
        0.5,
        1_000_001,
        '',
        ' ',
        '\u0000',
        'x'.repeat(6000),
        '2025-02-30',
        '2025-05-24T25:00:00+03:00',
        'UA-99',
        'EU',
        [],
        {},
        null,
        true,
        '__proto__',
        { __proto__: null, constructor: {} },
        { toString: {}, valueOf: 1, hasOwnProperty: [], prototype: {}, __defineGetter__: 'x' },
        'not-a-uuid',
      ),
    );
    const mutation = fc.record({
      command: fc.constantFrom(...COMMAND_NAMES),
      shape: fc.constantFrom('replace', 'add', 'remove', 'garbage', 'raw'),
      field: fc.constantFrom(
        'occurredAt',
        'occurredUntil',
        'location',
        'summary',
        'sources',
        'tags',
        'incidentId',
        'eventId',
        'weapons',
        'casualties',
        'released',
        'parties',
        'totalPerSide',
        'attacker',
        'issuer',
        'changes',
        'expectedVersion',
        'text',
        'extra',
      ),
      value: weird,
      raw: fc.oneof(
        fc.string(),
        fc.constantFrom('{"a":1e999}', '{"a":-0}', '[1,2', '{"a":"\\ud800"}', '{"a":"\\u0000"}'),
      ),
    });

    it('never answers 5xx, and writes nothing when it answers 4xx', async () => {
      const seenStatuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          let body: string;
          const demo = DEMO_COMMANDS.find((c) => c.command === m.command);
          const base: Record<string, unknown> = demo
            ? demoBody(m.command)
            : {
                incidentId: randomUUID(),
                changes: { summary: 'x' },
                reason: 'fuzz',
              };
          if (m.shape === 'raw') body = m.raw;
          else if (m.shape === 'garbage') body = JSON.stringify(m.value) ?? 'null';
          else {
            if (m.shape === 'remove') delete base[m.field];
            else base[m.field] = m.value;
            body = JSON.stringify(base);
          }
          const before = await countEvents();
          const answer = await send(t.url, `/v1/commands/${m.command}`, { body, headers: json });
          seenStatuses.add(answer.status);
          expect(answer.status).toBeLessThan(500);
          if (answer.status >= 400) {
            expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(await countEvents()).toBe(before);
          }
        }),
        { numRuns: 200 },
      );
      expect(seenStatuses.has(400)).toBe(true);
    });

    it('never answers 5xx for garbage inside a batch', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...COMMAND_NAMES), weird), {
            minLength: 1,
            maxLength: 5,
          }),
          async (items) => {
            const before = await countEvents();
            const answer = await send(t.url, '/v1/batch', {
              body: JSON.stringify({
                commands: items.map(([command, body]) => ({ command, body })),
              }),
              headers: json,
            });
            expect(answer.status).toBeLessThan(500);
            if (answer.status >= 400) expect(await countEvents()).toBe(before);
          },
        ),
        { numRuns: 50 },
      );
    });
  });

  if (kind === 'postgres') {
    describe('store unreachable', () => {
      /** Runs `body` while the app's database refuses connections and its sessions are gone. */
      async function whileRefusing(body: () => Promise<void>): Promise<void> {
        const name = pg.escapeIdentifier(new URL(t.store.databaseUrl!).pathname.slice(1));
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        try {
          await admin.query(`alter database ${name} with allow_connections false`);
          await admin.query(
            // With a timeout, pg_terminate_backend waits until each session is gone (PostgreSQL 14+).
            'select pg_terminate_backend(pid, 10000) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
            [new URL(t.store.databaseUrl!).pathname.slice(1)],
          );
          await body();
        } finally {
          await admin.query(`alter database ${name} with allow_connections true`);
          await admin.end();
        }
      }

      it('answers /health/ready 503 (live stays 200), then recovers when the database is back', async () => {
        await whileRefusing(async () => {
          const ready = await t.request('GET', '/health/ready', { key: null });
          expect(ready.status).toBe(503);
          expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect((await t.request('GET', '/health/live', { key: null })).status).toBe(200);
        });
        expect((await t.request('GET', '/health/ready', { key: null })).status).toBe(200);
        const again = await send(t.url, '/v1/commands/report-strike', {
          body: JSON.stringify(demoBody('report-strike')),
          headers: json,
        });
        expect(again.status).toBe(201);
      });

      it('answers commands, batches and reads 503 with Retry-After, writing nothing', async () => {
        const body = demoBody('report-strike');
        await whileRefusing(async () => {
          for (let i = 0; i < 3; i++) {
            const answer = await send(t.url, '/v1/commands/report-strike', {
              body: JSON.stringify(body),
              headers: json,
            });
            expectProblem(answer, '/problems/unavailable', 503);
            expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
          }
          const batch = await send(t.url, '/v1/batch', {
            body: JSON.stringify({
              commands: [{ command: 'report-strike', body: demoBody('report-strike') }],
            }),
            headers: json,
          });
          expectProblem(batch, '/problems/unavailable', 503);
          const read = await t.request('GET', '/v1/events', { key: 'reader' });
          expect(read.status).toBe(503);
          expect(read.headers.get('retry-after')).not.toBeNull();
        });
        // Nothing was written: the same command now appends it for the first time.
        const again = await send(t.url, '/v1/commands/report-strike', {
          body: JSON.stringify(body),
          headers: json,
        });
        expect(again.status).toBe(201);
      });
    });
  }
});
