import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { DEMO_COMMANDS, type DemoCommandName } from '../db/seeds/demo-report';
import { startTestApp, type Answer, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

/** A demo body of a command with fresh ids (and the changes given). */
function fresh(
  command: DemoCommandName,
  changes: Record<string, unknown> = {},
): { command: DemoCommandName; body: Record<string, unknown> } {
  const demo = DEMO_COMMANDS.find((c) => c.command === command)!;
  const body: Record<string, unknown> = {
    ...structuredClone(demo.body),
    incidentId: randomUUID(),
    eventId: randomUUID(),
    ...changes,
  };
  return { command, body };
}

/** The same body without any ids: the server chooses them. */
function withoutIds(body: Record<string, unknown>): Record<string, unknown> {
  const { incidentId: _i, eventId: _e, ...rest } = body;
  return rest;
}

/** The same JSON value with every object's keys in reverse order. */
function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reorderKeys(v)]),
    );
  }
  return value;
}

function expectProblem(answer: Answer, type: string, status: number): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({
    status,
    body: { type, status },
  });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

describe.each(storesUnderTest())('write guarantees on %s', (kind) => {
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

  async function record(
    command: DemoCommandName = 'report-casualties',
    changes: Record<string, unknown> = {},
  ): Promise<Answer> {
    const { body } = fresh(command, changes);
    const answer = await t.request('POST', `/v1/commands/${command}`, { key: 'writer', body });
    expect(answer.status).toBe(201);
    return answer;
  }

  describe('optimistic concurrency', () => {
    it.each(['correct-incident', 'retract-incident'] as const)(
      'lets exactly one of 50 concurrent %s requests at one expectedVersion win',
      async (command) => {
        const { body: created } = await record();
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            t.request('POST', `/v1/commands/${command}`, {
              key: 'writer',
              body: {
                incidentId: created.incidentId,
                expectedVersion: 1,
                reason: `racer ${i}`,
                ...(command === 'correct-incident'
                  ? { changes: { summary: `Corrected by racer ${i}.` } }
                  : {}),
              },
            }),
          ),
        );
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 201)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(49);
        for (const answer of answers.filter((a) => a.status === 409)) {
          expectProblem(answer, '/problems/conflict', 409);
          expect(answer.body.currentVersion).toBe(2);
        }
        const winner = answers.find((a) => a.status === 201)!;
        expect(winner.body.streamVersion).toBe(2);
        const stream = await t.request('GET', `/v1/streams/${created.streamId}`, { key: 'reader' });
        expect(stream.body.version).toBe(2);
        expect(stream.body.events).toHaveLength(2);
      },
    );

    it.each(['correct-incident', 'retract-incident'] as const)(
      'answers a %s with a stale expectedVersion on a retracted incident with currentVersion',
      async (command) => {
        const { body: created } = await record();
        const retracted = await t.request('POST', '/v1/commands/retract-incident', {
          key: 'writer',
          body: { incidentId: created.incidentId, expectedVersion: 1, reason: 'wrong' },
        });
        expect(retracted.status).toBe(201);
        const answer = await t.request('POST', `/v1/commands/${command}`, {
          key: 'writer',
          body: {
            incidentId: created.incidentId,
            expectedVersion: 1,
            reason: 'stale',
            ...(command === 'correct-incident' ? { changes: { summary: 'x' } } : {}),
          },
        });
        expectProblem(answer, '/problems/conflict', 409);
        expect(answer.body.currentVersion).toBe(2);
      },
    );

    it('answers 409 with currentVersion for a stale expectedVersion', async () => {
      const { body: created } = await record();
      const answer = await t.request('POST', '/v1/commands/retract-incident', {
        key: 'writer',
        body: { incidentId: created.incidentId, expectedVersion: 3, reason: 'stale' },
      });
      expectProblem(answer, '/problems/conflict', 409);
      expect(answer.body.currentVersion).toBe(1);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same JSON value (keys in another order), appending once', async () => {
      const body = withoutIds(fresh('report-strike').body);
      const key = `idem-${randomUUID()}`;
      const before = await countEvents();
      const first = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body,
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        raw: JSON.stringify(reorderKeys(body)),
        headers: { 'idempotency-key': key, 'content-type': 'application/json' },
      });
      expect(JSON.stringify(reorderKeys(body))).not.toBe(JSON.stringify(body));
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await countEvents()).toBe(before + 1);
    });

    it('answers 409 for the same key with another body', async () => {
      const body = withoutIds(fresh('report-strike').body);
      const key = `idem-${randomUUID()}`;
      const first = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body,
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      const before = await countEvents();
      const other = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body: { ...body, summary: 'Another summary.' },
        headers: { 'idempotency-key': key },
      });
      expectProblem(other, '/problems/conflict', 409);
      expect(await countEvents()).toBe(before);
    });

    it('scopes a key to the route and to the API key', async () => {
      const key = `idem-${randomUUID()}`;
      const body = withoutIds(fresh('report-casualties').body);
      const before = await countEvents();
      const first = await t.request('POST', '/v1/commands/report-casualties', {
        key: 'writer',
        body,
        headers: { 'idempotency-key': key },
      });
      const otherRoute = await t.request('POST', '/v1/commands/warn-sanctions', {
        key: 'writer',
        body: withoutIds(fresh('warn-sanctions').body),
        headers: { 'idempotency-key': key },
      });
      const batch = await t.request('POST', '/v1/batch', {
        key: 'writer',
        body: { commands: [{ command: 'report-casualties', body }] },
        headers: { 'idempotency-key': key },
      });
      const otherKey = await t.request('POST', '/v1/commands/report-casualties', {
        key: 'ingest',
        body,
        headers: { 'idempotency-key': key },
      });
      for (const answer of [first, otherRoute, batch, otherKey]) {
        expect(answer.status).toBe(201);
        expect(answer.headers.get('idempotent-replayed')).toBeNull();
      }
      expect(otherKey.body.incidentId).not.toBe(first.body.incidentId);
      expect(await countEvents()).toBe(before + 4);
    });

    it('answers 10 concurrent requests with one key once: the others replay or are told to retry', async () => {
      const body = withoutIds(fresh('record-talks').body);
      const key = `idem-${randomUUID()}`;
      const before = await countEvents();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.request('POST', '/v1/commands/record-talks', {
            key: 'writer',
            body,
            headers: { 'idempotency-key': key },
          }),
        ),
      );
      const firsts = answers.filter(
        (a) => a.status === 201 && a.headers.get('idempotent-replayed') === null,
      );
      expect(firsts).toHaveLength(1);
      for (const answer of answers) {
        if (answer === firsts[0]) continue;
        if (answer.status === 409) {
          expectProblem(answer, '/problems/conflict', 409);
          expect(answer.headers.get('retry-after')).not.toBeNull();
        } else {
          expect(answer.status).toBe(201);
          expect(answer.headers.get('idempotent-replayed')).toBe('true');
          expect(answer.body).toEqual(firsts[0]!.body);
        }
      }
      expect(await countEvents()).toBe(before + 1);
    });

    it('replays a 400 as well', async () => {
      const key = `idem-${randomUUID()}`;
      const body = { ...withoutIds(fresh('report-strike').body), attacker: 'XX' };
      const first = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body,
        headers: { 'idempotency-key': key },
      });
      expectProblem(first, '/problems/validation', 400);
      expect(first.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'attacker' })]),
      );
      const again = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body,
        headers: { 'idempotency-key': key },
      });
      expectProblem(again, '/problems/validation', 400);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    });

    it('replays a batch answer', async () => {
      const key = `idem-${randomUUID()}`;
      const body = {
        commands: [
          { command: 'record-talks', body: withoutIds(fresh('record-talks').body) },
          { command: 'report-strike', body: withoutIds(fresh('report-strike').body) },
        ],
      };
      const before = await countEvents();
      const first = await t.request('POST', '/v1/batch', {
        key: 'writer',
        body,
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      const again = await t.request('POST', '/v1/batch', {
        key: 'writer',
        body: reorderKeys(body),
        headers: { 'idempotency-key': key },
      });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await countEvents()).toBe(before + 2);
    });
  });

  describe('batch', () => {
    /** Posts a batch whose third command is `third`, expecting it to fail and change nothing. */
    async function failingBatch(third: unknown, first?: unknown): Promise<Answer> {
      const before = await countEvents();
      const answer = await t.request('POST', '/v1/batch', {
        key: 'writer',
        body: {
          commands: [first ?? fresh('record-talks'), fresh('report-strike'), third],
        },
      });
      expect(await countEvents()).toBe(before);
      return answer;
    }

    it('rejects a batch whose 3rd command has a bad field, naming commands[2].body.<path>', async () => {
      const answer = await failingBatch(
        fresh('report-strike', {
          attacker: 'XX',
          weapons: [{ kind: 'drone', launched: 5, intercepted: '3' }],
        }),
      );
      expectProblem(answer, '/problems/validation', 400);
      const paths = (answer.body.errors as { path: string }[]).map((e) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'commands[2].body.attacker',
          'commands[2].body.weapons[0].intercepted',
        ]),
      );
      expect(paths.every((p) => p.startsWith('commands[2].body.'))).toBe(true);
    });

    it('rejects an unknown command at commands[2].command', async () => {
      const answer = await failingBatch({ command: 'launch-rocket', body: {} });
      expectProblem(answer, '/problems/validation', 400);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ path: 'commands[2].command' }),
      ]);
    });

    it('rejects a correction of an unknown incident with 404 naming commands[2]', async () => {
      const answer = await failingBatch({
        command: 'correct-incident',
        body: { incidentId: randomUUID(), changes: { summary: 'x' }, reason: 'typo' },
      });
      expectProblem(answer, '/problems/not-found', 404);
      expect(answer.body.detail).toContain('commands[2]');
      expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'commands[2]' })]);
    });

    it('rejects an unresolved agreementId with 422 naming commands[2]', async () => {
      const answer = await failingBatch(
        fresh('record-prisoner-exchange', { agreementId: randomUUID() }),
      );
      expectProblem(answer, '/problems/unprocessable', 422);
      expect(answer.body.detail).toContain('commands[2]');
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ path: expect.stringMatching(/^commands\[2\]/) }),
      ]);
    });

    it('rejects an agreementId naming another kind of incident with 422', async () => {
      const { body: talks } = await record('record-talks');
      const answer = await failingBatch(
        fresh('record-prisoner-exchange', { agreementId: talks.incidentId }),
      );
      expectProblem(answer, '/problems/unprocessable', 422);
      expect(answer.body.detail).toContain('commands[2]');
    });

    it('rejects a batch whose 3rd command takes an incidentId made earlier in it with 409', async () => {
      const first = fresh('record-talks');
      const answer = await failingBatch(
        fresh('report-strike', { incidentId: first.body.incidentId }),
        first,
      );
      expectProblem(answer, '/problems/conflict', 409);
      expect(answer.body.detail).toContain('commands[2]');
    });

    it('returns results in order and the last position', async () => {
      const commands = [fresh('record-talks'), fresh('warn-sanctions'), fresh('report-strike')];
      const answer = await t.request('POST', '/v1/batch', { key: 'writer', body: { commands } });
      expect(answer.status).toBe(201);
      const results = answer.body.results as {
        incidentId: string;
        streamVersion: number;
        position: number;
        events: { type: string }[];
      }[];
      expect(results.map((r) => r.incidentId)).toEqual(commands.map((c) => c.body.incidentId));
      expect(results.map((r) => r.events[0]!.type)).toEqual([
        'TalksHeld',
        'SanctionsWarned',
        'StrikeReported',
      ]);
      expect(answer.body.position).toBe(Math.max(...results.map((r) => r.position)));
      const positions = results.map((r) => r.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('creates an agreement and an exchange referencing it in one batch', async () => {
      const agreement = fresh('record-prisoner-exchange-agreement');
      const exchange = fresh('record-prisoner-exchange', {
        agreementId: agreement.body.incidentId,
      });
      const answer = await t.request('POST', '/v1/batch', {
        key: 'writer',
        body: { commands: [agreement, exchange] },
      });
      expect(answer.status).toBe(201);
      expect(answer.body.results.map((r: { streamVersion: number }) => r.streamVersion)).toEqual([
        1, 1,
      ]);
    });

    it('creates an incident and corrects it in one batch: streamVersions 1 and 2', async () => {
      const created = fresh('report-casualties');
      const answer = await t.request('POST', '/v1/batch', {
        key: 'writer',
        body: {
          commands: [
            created,
            {
              command: 'correct-incident',
              body: {
                incidentId: created.body.incidentId,
                expectedVersion: 1,
                changes: { summary: 'Five people were killed.' },
                reason: 'a later report',
              },
            },
          ],
        },
      });
      expect(answer.status).toBe(201);
      expect(answer.body.results.map((r: { streamVersion: number }) => r.streamVersion)).toEqual([
        1, 2,
      ]);
      const stream = await t.request(
        'GET',
        `/v1/streams/incident-${String(created.body.incidentId)}`,
        {
          key: 'reader',
        },
      );
      expect(stream.body.events.map((e: { type: string }) => e.type)).toEqual([
        'CasualtiesReported',
        'IncidentCorrected',
      ]);
    });
  });

  describe('retries by id', () => {
    it('replays a new incident retried with the same eventId (200, same position), 409 for another body', async () => {
      const { body } = fresh('record-statement');
      const first = await t.request('POST', '/v1/commands/record-statement', {
        key: 'writer',
        body,
      });
      expect(first.status).toBe(201);
      const before = await countEvents();
      const again = await t.request('POST', '/v1/commands/record-statement', {
        key: 'writer',
        body,
      });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const other = await t.request('POST', '/v1/commands/record-statement', {
        key: 'writer',
        body: { ...body, text: 'Something else.' },
      });
      expectProblem(other, '/problems/conflict', 409);
      const reused = await t.request('POST', '/v1/commands/record-statement', {
        key: 'writer',
        body: { ...body, incidentId: randomUUID() },
      });
      expectProblem(reused, '/problems/conflict', 409);
      expect(await countEvents()).toBe(before);
    });

    it('replays a new incident retried with the same incidentId and no eventId', async () => {
      const body = { ...fresh('warn-sanctions').body };
      delete body.eventId;
      const first = await t.request('POST', '/v1/commands/warn-sanctions', {
        key: 'writer',
        body,
      });
      expect(first.status).toBe(201);
      const again = await t.request('POST', '/v1/commands/warn-sanctions', {
        key: 'writer',
        body,
      });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
    });

    it('replays a whole batch retried with the same ids (200, same positions)', async () => {
      const commands = [fresh('record-talks'), fresh('report-strike')];
      const first = await t.request('POST', '/v1/batch', { key: 'writer', body: { commands } });
      expect(first.status).toBe(201);
      const before = await countEvents();
      const again = await t.request('POST', '/v1/batch', { key: 'writer', body: { commands } });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await countEvents()).toBe(before);
    });

    it.each(['correct-incident', 'retract-incident'] as const)(
      'replays a %s retried with the same eventId (200, same position)',
      async (command) => {
        const { body: created } = await record();
        const body = {
          incidentId: created.incidentId,
          eventId: randomUUID(),
          reason: 'retry me',
          ...(command === 'correct-incident' ? { changes: { summary: 'Retried.' } } : {}),
        };
        const first = await t.request('POST', `/v1/commands/${command}`, { key: 'writer', body });
        expect(first.status).toBe(201);
        const again = await t.request('POST', `/v1/commands/${command}`, { key: 'writer', body });
        expect({ status: again.status, body: again.body }).toEqual({
          status: 200,
          body: first.body,
        });
      },
    );

    it('answers 409 for a correction reusing an eventId with another body', async () => {
      const { body: created } = await record();
      const eventId = randomUUID();
      const first = await t.request('POST', '/v1/commands/correct-incident', {
        key: 'writer',
        body: { incidentId: created.incidentId, eventId, changes: { summary: 'A.' }, reason: 'a' },
      });
      expect(first.status).toBe(201);
      const before = await countEvents();
      const other = await t.request('POST', '/v1/commands/correct-incident', {
        key: 'writer',
        body: { incidentId: created.incidentId, eventId, changes: { summary: 'B.' }, reason: 'b' },
      });
      expectProblem(other, '/problems/conflict', 409);
      expect(await countEvents()).toBe(before);
    });
  });

  if (kind === 'postgres') {
    it('does not let a reader paging /v1/events skip a position that commits late', async () => {
      const { body: seen } = await record();
      // The last position a reader has seen: the head, once it includes that write (our own
      // projection runners' transactions can hold the log's readable head back for a moment).
      let last = 0;
      for (const deadline = Date.now() + 10_000; last < seen.position && Date.now() < deadline;) {
        for (let after = 0; ;) {
          const page = await t.request('GET', `/v1/events?after=${after}&limit=1000`, {
            key: 'reader',
          });
          expect(page.status).toBe(200);
          const events = page.body.events as { position: number }[];
          if (events.length > 0) last = events[events.length - 1]!.position;
          if (page.body.next === null) break;
          after = page.body.next;
        }
      }
      expect(last).toBeGreaterThan(0);

      const client = new pg.Client({ connectionString: t.store.databaseUrl });
      await client.connect();
      try {
        const slowStream = `test-slow-${randomUUID()}`;
        const slowEventId = randomUUID();
        await client.query('begin');
        const inserted = await client.query<{ position: string }>(
          'select * from event_store.append($1::jsonb, $2::jsonb)',
          [
            JSON.stringify([{ s: slowStream, e: -1 }]),
            JSON.stringify([
              { i: 0, id: slowEventId, s: slowStream, t: 'TestEvent', v: 1, d: {}, m: {} },
            ]),
          ],
        );
        const slowPosition = Number(inserted.rows[0]!.position);

        const { body: fast } = await record();
        expect(fast.position).toBeGreaterThan(slowPosition);
        const whileOpen = await t.request('GET', `/v1/events?after=${last}`, { key: 'reader' });
        expect(whileOpen.status).toBe(200);
        const openPositions = (whileOpen.body.events as { position: number }[]).map(
          (e) => e.position,
        );
        expect(openPositions).not.toContain(fast.position);
        expect(openPositions).not.toContain(slowPosition);

        await client.query('commit');
        let afterCommit = await t.request('GET', `/v1/events?after=${last}`, { key: 'reader' });
        for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
          const positions = (afterCommit.body.events as { position: number }[]).map(
            (e) => e.position,
          );
          if (positions.includes(fast.position)) break;
          afterCommit = await t.request('GET', `/v1/events?after=${last}`, { key: 'reader' });
        }
        const events = afterCommit.body.events as { eventId: string; position: number }[];
        expect(events.map((e) => e.position)).toEqual([slowPosition, fast.position]);
        expect(events[0]!.eventId).toBe(slowEventId);
        expect(afterCommit.body.next).toBeNull();
      } finally {
        await client.query('rollback').catch(() => undefined);
        await client.end();
      }
    });
  }
});
