/**
 * GET /v1/export and POST /v1/import over the real server: a round trip into an empty store
 * gives the same events and the same read models; importing again adds nothing; a malformed
 * line, an event id with other content and a version gap stop the import at their line, with
 * everything before it kept.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { DEMO_COMMANDS } from '../db/seeds/demo-report';
import { TALLY_NAMES } from '../src/projections/tallies/tallies.queries';
import { startTestApp, TEST_KEYS, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

const NDJSON = { 'content-type': 'application/x-ndjson' };

function statementBody(i: number): Record<string, unknown> {
  return {
    incidentId: randomUUID(),
    occurredAt: '2025-05-24',
    location: { country: 'UA' },
    speaker: `Speaker ${i}`,
    text: `Statement number ${i}.`,
    summary: `A statement, number ${i}.`,
    sources: [{ name: 'Test wire' }],
  };
}

/** How many events the store holds, committed or not yet safe to read. */
async function countStored(t: TestApp): Promise<number> {
  const row = await t.store.store.db
    .selectFrom('event_store.events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Runs `read` until it returns every stored event: readers of the log stop below the oldest
 * transaction in flight anywhere on the server (a projection's batch, another spec's append),
 * so right after a write they may not see it yet.
 */
async function settled<T extends unknown[]>(t: TestApp, read: () => Promise<T>): Promise<T> {
  const stored = await countStored(t);
  for (let attempt = 0; ; attempt++) {
    const result = await read();
    if (result.length >= stored || attempt === 50) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every envelope of the log through GET /v1/events. */
async function readAll(t: TestApp): Promise<any[]> {
  return settled(t, () => readAllNow(t));
}

async function readAllNow(t: TestApp): Promise<any[]> {
  const events: any[] = [];
  let after = 0;
  for (;;) {
    const page = await t.request('GET', `/v1/events?limit=1000&after=${after}`, { key: 'reader' });
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    if (page.body.next === null) return events;
    after = page.body.next;
  }
}

async function exportLines(
  t: TestApp,
): Promise<{ answer: { headers: Headers; text: string }; lines: any[] }> {
  // Not t.request: it would take the NDJSON for one JSON document.
  const response = await fetch(`${t.url}/v1/export`, {
    headers: { authorization: `Bearer ${TEST_KEYS.ops}` },
  });
  expect(response.status).toBe(200);
  const answer = { headers: response.headers, text: await response.text() };
  const lines = answer.text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
  return { answer, lines };
}

/** An export that holds every stored event (see `settled`). */
async function exportAll(
  t: TestApp,
): Promise<{ answer: { headers: Headers; text: string }; lines: any[] }> {
  let last: Awaited<ReturnType<typeof exportLines>> | undefined;
  await settled(t, async () => {
    last = await exportLines(t);
    return last.lines;
  });
  return last!;
}

function importFile(t: TestApp, text: string, key: 'ops' | 'reader' | null = 'ops') {
  return t.request('POST', '/v1/import', { key, raw: text, headers: NDJSON });
}

/** An event without what the target store assigns (its position). */
function withoutPosition({ position: _position, ...rest }: any): any {
  return rest;
}

/** A read-model answer without positions (the target's are its own). */
function withoutPositions(value: any): any {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'position')
        .map(([key, item]) => [key, withoutPositions(item)]),
    );
  }
  return value;
}

/** A valid envelope of a new statement stream, at `version`. */
function envelope(streamId: string, version: number, extra: Record<string, unknown> = {}): any {
  return {
    eventId: randomUUID(),
    streamId,
    streamVersion: version,
    position: 1,
    type: 'StatementIssued',
    schemaVersion: 1,
    occurredAt: '2025-05-23T21:00:00.000Z',
    recordedAt: '2025-05-24T10:00:00.123456Z',
    data: { speaker: 'S', text: `v${version}` },
    metadata: { actor: 'import-test' },
    ...extra,
  };
}

function toNdjson(events: readonly unknown[]): string {
  return `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

describe.each(storesUnderTest())('export and import on %s', (kind) => {
  let source: TestApp;
  let target: TestApp;
  /** A store without projections, for files that are not timeline data. */
  let scratch: TestApp;
  let exported: any[];
  let exportText: string;

  beforeAll(async () => {
    [source, target, scratch] = await Promise.all([
      startTestApp(kind),
      startTestApp(kind),
      startTestApp(kind, { runProjections: false }),
    ]);
    for (const demo of DEMO_COMMANDS) {
      const answer = await source.request('POST', `/v1/commands/${demo.command}`, {
        key: 'writer',
        body: demo.body,
        headers: { 'x-correlation-id': 'export-test' },
      });
      expect(answer.status).toBe(201);
    }
    // A few thousand events, so the export spans many pages.
    for (let b = 0; b < 3; b++) {
      const commands = Array.from({ length: 1000 }, (_, i) => ({
        command: 'record-statement',
        body: statementBody(b * 1000 + i),
      }));
      const answer = await source.request('POST', '/v1/batch', {
        key: 'writer',
        body: { commands },
      });
      expect(answer.status).toBe(201);
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all([source?.close(), target?.close(), scratch?.close()]);
  });

  it('exports every event as NDJSON envelopes, in log order', async () => {
    const { answer, lines } = await exportAll(source);
    expect(answer.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    exported = lines;
    exportText = answer.text;
    const log = await readAll(source);
    expect(log.length).toBeGreaterThan(3000);
    expect(lines.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
    lines.forEach((line, i) => {
      const api = log[i];
      // Export keeps the stored microseconds; the API shows milliseconds.
      expect({
        ...line,
        recordedAt: new Date(line.recordedAt).toISOString(),
        occurredAt: line.occurredAt && new Date(line.occurredAt).toISOString(),
      }).toEqual(api);
    });
  });

  it('streams the export without reading it whole first', async () => {
    const { port } = new URL(source.url);
    const chunks = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          host: '127.0.0.1',
          path: '/v1/export',
          headers: { authorization: `Bearer ${TEST_KEYS.ops}` },
        },
        (res) => {
          expect(res.headers['transfer-encoding']).toBe('chunked');
          let count = 0;
          res.on('data', () => count++);
          res.on('end', () => resolve(count));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(chunks).toBeGreaterThan(1);
  });

  it('imports into an empty store the same events, with positions of its own', async () => {
    const answer = await importFile(target, exportText);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ imported: exported.length, skipped: 0 });
    const { lines } = await exportAll(target);
    // Everything but the position is kept, to the microsecond.
    expect(lines.map(withoutPosition)).toEqual(exported.map(withoutPosition));
    expect(lines.some((e) => e.metadata.correlationId === 'export-test')).toBe(true);
  });

  it('builds the same read models from the imported log', async () => {
    const head = async (t: TestApp): Promise<number> => {
      const log = await readAll(t);
      return log[log.length - 1].position;
    };
    const [sourceHead, targetHead] = [await head(source), await head(target)];
    const read = async (t: TestApp, path: string, position: number): Promise<any> => {
      const sep = path.includes('?') ? '&' : '?';
      const answer = await t.request('GET', `${path}${sep}minPosition=${position}&waitMs=10000`, {
        key: 'reader',
      });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      expect(answer.body.meta.stale).toBe(false);
      return withoutPositions(answer.body);
    };
    for (const path of [
      '/v1/timeline?limit=500&includeRetracted=true',
      '/v1/timeline?limit=500&order=desc',
      ...TALLY_NAMES.map((name) => `/v1/tallies/${name}`),
    ]) {
      expect(await read(target, path, targetHead)).toEqual(await read(source, path, sourceHead));
    }
  });

  it('adds nothing when the same file is imported again', async () => {
    const answer = await importFile(target, exportText);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ imported: 0, skipped: exported.length });
    expect(await readAll(target)).toHaveLength(exported.length);
  });

  it('stops at a malformed line with its number, keeping everything before it', async () => {
    const streams = Array.from({ length: 50 }, () => `import-${randomUUID()}`);
    // 2,500 events over 50 streams, interleaved: the bad line falls in the second batch.
    const events = Array.from({ length: 2500 }, (_, i) =>
      envelope(streams[i % 50]!, Math.floor(i / 50) + 1),
    );
    const lines = events.map((e) => JSON.stringify(e));
    const before = (await readAll(scratch)).length;
    const corrupt = [...lines];
    corrupt[1699] = corrupt[1699]!.slice(0, 40); // line 1700
    const answer = await importFile(scratch, `${corrupt.join('\n')}\n`);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      type: '/problems/validation',
      imported: 1699,
      skipped: 0,
    });
    expect(answer.body.errors).toEqual([
      { path: 'line 1700', message: expect.stringMatching(/^is not valid JSON/) },
    ]);
    expect((await readAll(scratch)).length).toBe(before + 1699);

    // The corrected file goes in: what is already there is skipped.
    const again = await importFile(scratch, `${lines.join('\n')}\n`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ imported: 801, skipped: 1699 });
    const stored = await scratch.request('GET', `/v1/streams/${streams[0]}`, { key: 'reader' });
    expect(stored.body.version).toBe(50);
    expect(stored.body.events.map((e: any) => e.eventId)).toEqual(
      events.filter((e) => e.streamId === streams[0]).map((e) => e.eventId),
    );
    expect(stored.body.events[0].recordedAt).toBe('2025-05-24T10:00:00.123Z');
  });

  it('answers 409 naming the line of an event id stored with other content', async () => {
    const streamId = `import-${randomUUID()}`;
    const events = [envelope(streamId, 1), envelope(streamId, 2)];
    expect((await importFile(scratch, toNdjson(events))).status).toBe(200);
    const changed = { ...events[1], data: { speaker: 'S', text: 'other' } };
    const next = envelope(`import-${randomUUID()}`, 1);
    const answer = await importFile(scratch, toNdjson([next, events[0], changed]));
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ type: '/problems/conflict', imported: 1, skipped: 1 });
    expect(answer.body.errors).toEqual([
      { path: 'line 3', message: `event ${changed.eventId} is already stored with other content` },
    ]);
    // The same id twice in one file, with other content, is a conflict too.
    const twin = envelope(`import-${randomUUID()}`, 1);
    const twice = await importFile(
      scratch,
      toNdjson([twin, { ...twin, data: { speaker: 'T', text: 'x' } }]),
    );
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].path).toBe('line 2');
  });

  it('answers 409 naming the line of a stream-version gap, also after stored events', async () => {
    const streamId = `import-${randomUUID()}`;
    const gap = await importFile(
      scratch,
      toNdjson([envelope(streamId, 1), envelope(streamId, 2), envelope(streamId, 4)]),
    );
    expect(gap.status).toBe(409);
    expect(gap.body).toMatchObject({ imported: 2, skipped: 0 });
    expect(gap.body.errors).toEqual([
      { path: 'line 3', message: expect.stringContaining(`stream ${streamId} is at version 2`) },
    ]);
    // A stream that does not start at 1 in an empty stream is a gap as well.
    const fresh = await importFile(scratch, toNdjson([envelope(`import-${randomUUID()}`, 2)]));
    expect(fresh.status).toBe(409);
    expect(fresh.body.errors[0].path).toBe('line 1');
    // Continuing a stream already in the store works; taking a version it has is a conflict.
    const next = await importFile(scratch, toNdjson([envelope(streamId, 3)]));
    expect(next.body).toEqual({ imported: 1, skipped: 0 });
    const taken = await importFile(scratch, toNdjson([envelope(streamId, 3)]));
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0].message).toContain('already has version 3');
  });

  it('answers 400 naming the line and field of an envelope it cannot take', async () => {
    const streamId = `import-${randomUUID()}`;
    for (const [bad, pattern] of [
      [{ ...envelope(streamId, 1), eventId: 'nope' }, /eventId must be a UUID/],
      [{ ...envelope(streamId, 1), type: 'Nonsense' }, /no reader for event type Nonsense/],
      [{ ...envelope(streamId, 1), schemaVersion: 7 }, /at schema version 7/],
      [{ ...envelope(streamId, 1), recordedAt: 'yesterday' }, /recordedAt/],
      [{ ...envelope(streamId, 1), extra: 1 }, /extra is not an envelope field/],
      [{ ...envelope(streamId, 1), data: { text: 'a\u0000b' } }, /data\.text holds U\+0000/],
      [[1, 2], /must be a JSON object/],
    ] as const) {
      const answer = await importFile(scratch, `\n${JSON.stringify(bad)}\n`);
      expect({ status: answer.status, path: answer.body.errors?.[0]?.path }).toEqual({
        status: 400,
        path: 'line 2',
      });
      expect(answer.body.errors[0].message).toMatch(pattern);
    }
    const stream = await scratch.request('GET', `/v1/streams/${streamId}`, { key: 'reader' });
    expect(stream.status).toBe(404);
  });

  it('answers 415 for JSON (or nothing) on import, and NDJSON elsewhere', async () => {
    const json = await scratch.request('POST', '/v1/import', { key: 'ops', body: [] });
    expect(json.status).toBe(415);
    expect(json.body.type).toBe('/problems/unsupported-media-type');
    const text = await scratch.request('POST', '/v1/import', {
      key: 'ops',
      raw: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const elsewhere = await scratch.request('POST', '/v1/commands/record-statement', {
      key: 'writer',
      raw: '{}\n',
      headers: NDJSON,
    });
    expect(elsewhere.status).toBe(415);
  });

  // PGlite has one connection: no other transaction can be open beside the export.
  (kind === 'postgres' ? it : it.skip)(
    'exports every committed event even while another transaction on the server is open',
    async () => {
      const strike = DEMO_COMMANDS.find((c) => c.command === 'report-strike')!;
      const holder = new pg.Client({ connectionString: scratch.store.databaseUrl });
      await holder.connect();
      try {
        // A transaction with an id, open: readers of the log (projections, SSE) wait behind it.
        await holder.query('begin');
        await holder.query('select pg_current_xact_id()');
        const positions: number[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await scratch.request('POST', '/v1/commands/report-strike', {
            key: 'writer',
            body: { ...strike.body, incidentId: randomUUID(), eventId: randomUUID() },
          });
          expect(r.status).toBe(201);
          positions.push(r.body.position);
        }
        const { lines } = await exportLines(scratch);
        const exportedPositions = new Set(lines.map((e) => e.position));
        expect(positions.filter((p) => !exportedPositions.has(p))).toEqual([]);
      } finally {
        await holder.query('rollback');
        await holder.end();
      }
    },
  );

  it('needs an ops key for both', async () => {
    expect((await scratch.request('GET', '/v1/export', { key: null })).status).toBe(401);
    expect((await scratch.request('GET', '/v1/export', { key: 'reader' })).status).toBe(403);
    expect((await importFile(scratch, '', null)).status).toBe(401);
    expect((await importFile(scratch, '', 'reader')).status).toBe(403);
    const empty = await importFile(scratch, '');
    expect(empty.body).toEqual({ imported: 0, skipped: 0 });
  });
});
