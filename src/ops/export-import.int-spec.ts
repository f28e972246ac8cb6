import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openTestStore, storesUnderTest, type TestStore } from '../../test/store-harness';
import { appendToStreams, readStream } from '../event-store';
import {
  importNdjson,
  parseImportLine,
  readLogForExport,
  splitLines,
  type NdjsonLine,
} from './export-import';

async function collect(source: AsyncIterable<Buffer | string>, max = 100): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  for await (const line of splitLines(source, max)) lines.push(line);
  return lines;
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

const quiet = { logger: { log: () => undefined }, progressEvery: 0 };

function envelope(streamId: string, version: number, data: unknown = { speaker: 'S', text: 't' }) {
  return {
    eventId: randomUUID(),
    streamId,
    streamVersion: version,
    type: 'StatementIssued',
    schemaVersion: 1,
    occurredAt: null,
    recordedAt: '2025-05-24T10:00:00.000001Z',
    data,
    metadata: {},
  };
}

describe('splitLines', () => {
  it('splits across chunk boundaries, also inside a multi-byte character, and drops CR and a BOM', async () => {
    const text = Buffer.from('\uFEFF{"a":"ж"}\r\n\n{"b":2}', 'utf8');
    const cut = text.indexOf(0xb6); // the second byte of ж
    expect(await collect(chunks(text.subarray(0, cut), text.subarray(cut)))).toEqual([
      { line: 1, text: '{"a":"ж"}' },
      { line: 2, text: '' },
      { line: 3, text: '{"b":2}' },
    ]);
  });

  it('stops at a line over the limit without holding it, and names invalid UTF-8', async () => {
    expect(await collect(chunks('ok\n', 'x'.repeat(60), 'x'.repeat(60), 'never'), 100)).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, error: 'too-long' },
    ]);
    expect(await collect(chunks('ok\n', Buffer.from([0x7b, 0xff, 0x7d, 0x0a])))).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, error: 'not-utf8' },
    ]);
  });
});

describe('parseImportLine', () => {
  const line = (data: unknown, metadata: unknown = {}) =>
    JSON.stringify({
      ...envelope('test-x', 1),
      data: { speaker: 'S', text: 't', ...(data as object) },
      metadata,
    });

  it('refuses U+0000 and unpaired surrogates however the line spells them', () => {
    for (const [text, path] of [
      [line({ text: 'a\u0000b' }), 'data.text'],
      [line({ text: 'x\ud800' }), 'data.text'],
      [line({}, { note: '\udc00' }), 'metadata.note'],
      // A raw pair beside an escaped unpaired one; then an unpaired one raw in the line.
      [line({}, { ['\ud83d\ude00']: 'ok', k: 'x\ud83d' }), 'metadata.k'],
      [line({ text: 'ok' }).replace('"text":"ok"', '"text":"\ud800"'), 'data.text'],
    ] as const) {
      const parsed = parseImportLine(1, text);
      expect(parsed).toEqual({
        ok: false,
        message: expect.stringContaining(`${path} holds U+0000`),
      });
    }
  });

  it('takes text that only looks like an escape, and paired surrogates', () => {
    for (const text of [
      line({ text: 'C:\\u0000 is a path' }),
      line({ text: 'smile \ud83d\ude00' }),
      line({ text: 'smile \ud83d\ude00' }).replace('\ud83d\ude00', '\\ud83d\\ude00'),
    ]) {
      expect(parseImportLine(1, text)).toMatchObject({ ok: true });
    }
  });
});

describe.each(storesUnderTest())('export and import on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('continues streams the store already has, and upserts their versions', async () => {
    const streamId = `test-${randomUUID()}`;
    await appendToStreams(t.store.db, [
      {
        streamId,
        expectedVersion: 'none',
        events: [
          {
            eventId: randomUUID(),
            type: 'StatementIssued',
            schemaVersion: 1,
            data: {},
            metadata: {},
          },
        ],
      },
    ]);
    const other = `test-${randomUUID()}`;
    const file = [
      envelope(streamId, 2),
      envelope(other, 1),
      envelope(streamId, 3),
      envelope(other, 2),
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const result = await importNdjson(t.store.db, chunks(file), { ...quiet, batchSize: 3 });
    expect(result).toEqual({ ok: true, imported: 4, skipped: 0 });
    expect((await readStream(t.store.db, streamId)).map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    const versions = await t.store.db
      .selectFrom('event_store.streams')
      .select(['stream_id', 'version'])
      .where('stream_id', 'in', [streamId, other])
      .orderBy('stream_id')
      .execute();
    expect(Object.fromEntries(versions.map((v) => [v.stream_id, Number(v.version)]))).toEqual({
      [streamId]: 3,
      [other]: 2,
    });
  });

  it('keeps times to the microsecond through export and import', async () => {
    const streamId = `test-${randomUUID()}`;
    const event = { ...envelope(streamId, 1), occurredAt: '2025-05-23T21:00:00.123456+03:00' };
    expect(await importNdjson(t.store.db, chunks(JSON.stringify(event)), quiet)).toMatchObject({
      ok: true,
      imported: 1,
    });
    const { rows } = await sql<{ r: string; o: string }>`
      select to_char(recorded_at at time zone 'UTC', 'HH24:MI:SS.US') as r,
             to_char(occurred_at at time zone 'UTC', 'HH24:MI:SS.US') as o
        from event_store.events where stream_id = ${streamId}`.execute(t.store.db);
    expect(rows[0]).toEqual({ r: '10:00:00.000001', o: '18:00:00.123456' });
    let exported: unknown;
    for await (const page of readLogForExport(t.store.db, { batchSize: 2 })) {
      exported ??= page.find((e) => e.streamId === streamId);
    }
    expect(exported).toMatchObject({
      recordedAt: '2025-05-24T10:00:00.000001Z',
      occurredAt: '2025-05-23T18:00:00.123456Z',
    });
    // Importing the export again is a replay, not a conflict.
    const again = await importNdjson(t.store.db, chunks(JSON.stringify(exported)), quiet);
    expect(again).toEqual({ ok: true, imported: 0, skipped: 1 });
  });

  it('stops at a bad line while the batch before it is being inserted, and keeps nothing from it on', async () => {
    const a = `test-${randomUUID()}`;
    const lines = [1, 2, 3, 4, 5, 6, 7].map((v) => JSON.stringify(envelope(a, v)));
    lines[5] = '{"eventId": '; // line 6, in the batch read while lines 3 and 4 go in
    const result = await importNdjson(t.store.db, chunks(lines.join('\n')), {
      ...quiet,
      batchSize: 2,
    });
    expect(result).toMatchObject({ ok: false, status: 400, line: 6, imported: 5, skipped: 0 });
    expect((await readStream(t.store.db, a)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports the batch in flight failing before a bad line read after it, and inserts neither', async () => {
    const a = `test-${randomUUID()}`;
    const lines = [
      envelope(a, 1),
      envelope(a, 3), // line 2: a gap, found by the insert of lines 1 and 2
      envelope(a, 2),
      envelope(a, 3),
    ].map((e) => JSON.stringify(e));
    lines.push('not json'); // line 5, read while lines 1 and 2 go in
    const result = await importNdjson(t.store.db, chunks(lines.join('\n')), {
      ...quiet,
      batchSize: 2,
    });
    expect(result).toMatchObject({ ok: false, status: 409, line: 2, imported: 1, skipped: 0 });
    expect((await readStream(t.store.db, a)).map((e) => e.streamVersion)).toEqual([1]);
  });

  it('lets the insert in flight end before a failing body ends the import', async () => {
    const a = `test-${randomUUID()}`;
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${[1, 2, 3].map((v) => JSON.stringify(envelope(a, v))).join('\n')}\n`);
      throw new Error('the client went away');
    }
    await expect(importNdjson(t.store.db, failing(), { ...quiet, batchSize: 2 })).rejects.toThrow(
      'the client went away',
    );
    // Lines 1 and 2 were a whole batch, sent before the body failed; line 3 never was.
    expect((await readStream(t.store.db, a)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('gathers the log statistics after an import of many events, and says so', async () => {
    const estimate = async () => {
      const { rows } = await sql<{ estimate: number; actual: number }>`
        select (select reltuples from pg_class where oid = 'event_store.events'::regclass)::int as estimate,
               (select count(*) from event_store.events)::int as actual`.execute(t.store.db);
      return rows[0]!;
    };
    const a = `test-${randomUUID()}`;
    const file = [1, 2, 3, 4, 5, 6].map((v) => JSON.stringify(envelope(a, v))).join('\n');
    const said: string[] = [];
    const logger = { log: (line: string) => said.push(line) };
    const before = await estimate();
    expect(
      await importNdjson(t.store.db, chunks(file), {
        ...quiet,
        logger,
        analyzeAfter: 6,
      }),
    ).toEqual({ ok: true, imported: 6, skipped: 0 });
    // A table this small is read whole: its estimate is then its row count, six more than before.
    const after = await estimate();
    expect(after.actual).toBe(before.actual + 6);
    expect(after.estimate).toBe(after.actual);
    expect(said).toEqual([expect.stringMatching(/^import: gathered the log's statistics/)]);
    // Fewer events than the threshold: no statistics gathered, nothing said.
    said.length = 0;
    const b = `test-${randomUUID()}`;
    await importNdjson(t.store.db, chunks(JSON.stringify(envelope(b, 1))), {
      ...quiet,
      logger,
      analyzeAfter: 2,
    });
    expect(said).toEqual([]);
    expect((await estimate()).estimate).toBe(after.actual);
  });

  it('keeps the lines of a batch before a stream that does not continue the store', async () => {
    const a = `test-${randomUUID()}`;
    const b = `test-${randomUUID()}`;
    expect(
      await importNdjson(t.store.db, chunks(JSON.stringify(envelope(a, 1))), quiet),
    ).toMatchObject({ ok: true, imported: 1 });
    // Consecutive within the batch, but stream a is at version 1 in the store: 3 leaves a gap.
    const file = [envelope(b, 1), envelope(b, 2), envelope(a, 3), envelope(b, 3)]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const result = await importNdjson(t.store.db, chunks(file), quiet);
    expect(result).toMatchObject({ ok: false, status: 409, line: 3, imported: 2, skipped: 0 });
    expect((await readStream(t.store.db, b)).map((e) => e.streamVersion)).toEqual([1, 2]);
    expect((await readStream(t.store.db, a)).map((e) => e.streamVersion)).toEqual([1]);
  });

  it('skips stored events amid new ones, and takes new batches after a replayed one', async () => {
    const a = `test-${randomUUID()}`;
    const events = [1, 2, 3, 4, 5, 6, 7].map((v) => envelope(a, v));
    const text = (list: unknown[]) => list.map((e) => JSON.stringify(e)).join('\n');
    expect(
      await importNdjson(t.store.db, chunks(text([events[0], events[1], events[3]])), quiet),
    ).toMatchObject({ ok: false, line: 3, imported: 2 });
    // Batches of 2: [1, 2] all stored, [3, 4] new, [5, 6] new, [7] new.
    expect(
      await importNdjson(t.store.db, chunks(text(events)), { ...quiet, batchSize: 2 }),
    ).toEqual({ ok: true, imported: 5, skipped: 2 });
    const stored = await readStream(t.store.db, a);
    expect(stored.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    const version = await t.store.db
      .selectFrom('event_store.streams')
      .select('version')
      .where('stream_id', '=', a)
      .executeTakeFirstOrThrow();
    expect(Number(version.version)).toBe(7);
    // A stored event inside a batch of new ones.
    const more = [8, 9, 10].map((v) => envelope(a, v));
    expect(await importNdjson(t.store.db, chunks(text([more[0]])), quiet)).toMatchObject({
      ok: true,
      imported: 1,
    });
    expect(await importNdjson(t.store.db, chunks(text([events[6], ...more])), quiet)).toEqual({
      ok: true,
      imported: 2,
      skipped: 2,
    });
  });

  it('reports the first failing line of a batch and keeps the lines before it', async () => {
    const a = `test-${randomUUID()}`;
    const b = `test-${randomUUID()}`;
    const file = [envelope(a, 1), envelope(b, 1), envelope(a, 3), envelope(b, 2)]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const result = await importNdjson(t.store.db, chunks(file), quiet);
    expect(result).toMatchObject({ ok: false, status: 409, line: 3, imported: 2, skipped: 0 });
    expect((await readStream(t.store.db, b)).length).toBe(1);
  });
});
