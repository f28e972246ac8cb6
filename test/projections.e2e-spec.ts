import { DEMO_COMMANDS, DEMO_IDS } from '../db/seeds/demo-report';
import { startTestApp, type Answer, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

/** Read-your-writes: wait (up to 5 s) until the projection has processed `position`. */
function fresh(position: number): string {
  return `minPosition=${position}&waitMs=5000`;
}

function expectValidationProblem(answer: Answer, path: string): void {
  expect({ status: answer.status, type: answer.body?.type }).toEqual({
    status: 400,
    type: '/problems/validation',
  });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect((answer.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
}

/** An instant `ms` milliseconds away from a date-time, as ISO 8601. */
function shift(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

describe.each(storesUnderTest())('projections over HTTP on %s', (kind) => {
  let t: TestApp;
  /** Position of the last demo command. */
  let demoPosition = 0;

  async function post(command: string, body: unknown): Promise<Answer> {
    const answer = await t.request('POST', `/v1/commands/${command}`, { key: 'writer', body });
    expect({ command, status: answer.status }).toEqual({ command, status: 201 });
    return answer;
  }

  async function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return t.request('GET', path, { key: 'reader', headers });
  }

  async function getOk(path: string): Promise<Answer> {
    const answer = await get(path);
    expect({
      path,
      status: answer.status,
      body: answer.status === 200 ? 'ok' : answer.body,
    }).toEqual({ path, status: 200, body: 'ok' });
    return answer;
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    for (const demo of DEMO_COMMANDS) {
      const answer = await post(demo.command, demo.body);
      demoPosition = answer.body.position as number;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('the demo report', () => {
    it('gives the prisoners a reader of the article expects', async () => {
      const { body } = await getOk(`/v1/tallies/prisoners?${fresh(demoPosition)}`);
      expect(body.meta).toMatchObject({ stale: false });
      expect(body.meta.position).toBeGreaterThanOrEqual(demoPosition);
      expect(body.totals).toEqual({ exchanges: 1, releasedBy: { RU: 307, UA: 307 } });
      expect(body.agreements).toEqual([
        {
          agreementId: DEMO_IDS.agreement,
          parties: ['UA', 'RU'],
          totalPerSide: 1000,
          releasedBy: { RU: 307, UA: 307 },
          progress: 0.307,
        },
      ]);
    });

    it('gives the strikes with unknown figures as null, never 0', async () => {
      const { body } = await getOk(`/v1/tallies/strikes?${fresh(demoPosition)}`);
      expect(body.rows).toEqual([
        {
          attacker: 'RU',
          weaponKind: 'ballistic_missile',
          strikes: 1,
          launched: null,
          intercepted: 6,
          interceptionRate: null,
        },
        {
          attacker: 'RU',
          weaponKind: 'drone',
          strikes: 1,
          launched: null,
          intercepted: 245,
          interceptionRate: null,
        },
        // 100 launched on one line, 64 intercepted on another: no line gives both, so no rate.
        {
          attacker: 'UA',
          weaponKind: 'drone',
          strikes: 1,
          launched: 100,
          intercepted: 64,
          interceptionRate: null,
        },
      ]);
      expect(body.totals).toEqual({
        strikes: 2,
        launched: 100,
        intercepted: 315,
        interceptionRate: null,
      });
    });

    it('puts a weapon line in its own region, else the only one, else null (nulls last)', async () => {
      const { body } = await getOk(`/v1/tallies/strikes?groupBy=attacker,region`);
      expect(body.rows).toEqual([
        // The Kyiv strike names four regions and its lines none: region unknown.
        {
          attacker: 'RU',
          region: null,
          strikes: 1,
          launched: null,
          intercepted: 251,
          interceptionRate: null,
        },
        {
          attacker: 'UA',
          region: 'RU-BEL',
          strikes: 1,
          launched: null,
          intercepted: 64,
          interceptionRate: null,
        },
        {
          attacker: 'UA',
          region: null,
          strikes: 1,
          launched: 100,
          intercepted: null,
          interceptionRate: null,
        },
      ]);
    });

    it('gives the casualties: at least 15 injured in Kyiv, 4 killed in Kharkiv region', async () => {
      const { body } = await getOk(`/v1/tallies/casualties?${fresh(demoPosition)}`);
      expect(body.rows).toEqual([
        { country: 'UA', region: 'UA-30', killed: null, injured: 15, atLeast: true },
        { country: 'UA', region: 'UA-63', killed: 4, injured: null, atLeast: false },
      ]);
      expect(body.totals).toEqual({ killed: 4, injured: 15, atLeast: true });
    });

    it('gives one G7 warning of Russia', async () => {
      const { body } = await getOk(`/v1/tallies/sanctions?${fresh(demoPosition)}`);
      expect(body.rows).toEqual([{ issuer: 'G7', target: 'RU', warnings: 1, impositions: 0 }]);
    });

    it('counts the incidents by type (and by month)', async () => {
      const { body } = await getOk(`/v1/tallies/incidents?${fresh(demoPosition)}`);
      expect(body.rows).toEqual([
        { type: 'CasualtiesReported', count: 1 },
        { type: 'PrisonerExchangeAgreed', count: 1 },
        { type: 'PrisonersExchanged', count: 1 },
        { type: 'SanctionsWarned', count: 1 },
        { type: 'StatementIssued', count: 2 },
        { type: 'StrikeReported', count: 2 },
        { type: 'TalksHeld', count: 1 },
      ]);
      const byMonth = await getOk(`/v1/tallies/incidents?groupBy=month`);
      // The Kyiv strike began at 22:00 Kyiv time on 23 May: every demo incident is in May.
      expect(
        (byMonth.body.rows as { month: string; count: number }[]).every(
          (r) => r.month === '2025-05',
        ),
      ).toBe(true);
      expect(byMonth.body.totals).toEqual({ count: 9 });
    });

    it('lists the demo in the timeline, in occurredAt order', async () => {
      const { body } = await getOk(`/v1/timeline?${fresh(demoPosition)}`);
      expect(body.items).toHaveLength(DEMO_COMMANDS.length);
      expect(body.nextCursor).toBeNull();
      const times = (body.items as { occurredAt: string }[]).map((i) => i.occurredAt);
      expect([...times].sort()).toEqual(times);
      const strike = (body.items as { incidentId: string }[]).find(
        (i) => i.incidentId === DEMO_IDS.kyivStrike,
      );
      expect(strike).toMatchObject({
        type: 'StrikeReported',
        occurredAt: '2025-05-23T19:00:00.000Z',
        occurredUntil: '2025-05-24T04:00:00.000Z',
        precision: 'instant',
        location: {
          country: 'UA',
          regions: [
            { code: 'UA-30', name: expect.any(String) },
            { code: 'UA-12', name: expect.any(String) },
            { code: 'UA-51', name: expect.any(String) },
            { code: 'UA-23', name: expect.any(String) },
          ],
          place: null,
        },
        status: 'reported',
        version: 1,
        details: { attacker: 'RU' },
      });
    });
  });

  describe('a correction recorded later', () => {
    let correction: Answer;
    let before: string;
    let after: string;

    beforeAll(async () => {
      correction = await post('correct-incident', {
        incidentId: DEMO_IDS.kyivStrike,
        changes: { casualties: [{ region: 'UA-30', injured: 20, atLeast: true }] },
        reason: 'The city administration raised the number of injured to 20.',
      });
      const { body } = await getOk(
        `/v1/timeline/${DEMO_IDS.kyivStrike}?${fresh(correction.body.position as number)}`,
      );
      const [first, second] = body.history as { recordedAt: string }[];
      before = shift(second!.recordedAt, -1);
      after = shift(second!.recordedAt, 1);
      // The instant before the correction is after the strike was recorded.
      expect(Date.parse(before)).toBeGreaterThanOrEqual(Date.parse(first!.recordedAt));
    });

    it('is read back with minPosition: not stale, at least at its position', async () => {
      const position = correction.body.position as number;
      const { body } = await getOk(`/v1/tallies/casualties?${fresh(position)}`);
      expect(body.meta.stale).toBe(false);
      expect(body.meta.position).toBeGreaterThanOrEqual(position);
      expect(body.rows).toContainEqual({
        country: 'UA',
        region: 'UA-30',
        killed: null,
        injured: 20,
        atLeast: true,
      });
      const timeline = await getOk(`/v1/timeline?${fresh(position)}`);
      expect(timeline.body.meta.stale).toBe(false);
      expect(timeline.body.meta.position).toBeGreaterThanOrEqual(position);
    });

    it('is not applied as of an instant before it was recorded, and is after', async () => {
      const old = await getOk(`/v1/tallies/casualties?asOf=${encodeURIComponent(before)}`);
      expect(old.body.meta.asOf).toBe(before);
      expect(old.body.rows).toContainEqual({
        country: 'UA',
        region: 'UA-30',
        killed: null,
        injured: 15,
        atLeast: true,
      });
      const now = await getOk(`/v1/tallies/casualties?asOf=${encodeURIComponent(after)}`);
      expect(now.body.rows).toContainEqual({
        country: 'UA',
        region: 'UA-30',
        killed: null,
        injured: 20,
        atLeast: true,
      });
      const timeline = await getOk(`/v1/timeline?asOf=${encodeURIComponent(before)}`);
      expect(
        (timeline.body.items as { incidentId: string; version: number }[]).find(
          (i) => i.incidentId === DEMO_IDS.kyivStrike,
        ),
      ).toMatchObject({ version: 1, status: 'reported' });
    });

    it('shows in GET /v1/timeline/{id} with the whole history, and asOf gives the old version', async () => {
      const { body } = await getOk(`/v1/timeline/${DEMO_IDS.kyivStrike}`);
      expect(body).toMatchObject({
        incidentId: DEMO_IDS.kyivStrike,
        status: 'corrected',
        version: 2,
        details: { casualties: [{ region: 'UA-30', injured: 20, atLeast: true }] },
      });
      const history = body.history as {
        type: string;
        streamVersion: number;
        position: number;
        data: unknown;
      }[];
      expect(history.map((e) => [e.type, e.streamVersion])).toEqual([
        ['StrikeReported', 1],
        ['IncidentCorrected', 2],
      ]);
      expect(history[1]!.position).toBe(correction.body.position);
      expect(history[0]!.position).toBeLessThan(history[1]!.position);
      expect(body.updatedAt).not.toBe(body.recordedAt);

      const old = await getOk(
        `/v1/timeline/${DEMO_IDS.kyivStrike}?asOf=${encodeURIComponent(before)}`,
      );
      expect(old.body).toMatchObject({
        status: 'reported',
        version: 1,
        details: { casualties: [{ region: 'UA-30', injured: 15, atLeast: true }] },
        meta: { asOf: before },
      });
      expect((old.body.history as { type: string }[]).map((e) => e.type)).toEqual([
        'StrikeReported',
      ]);
    });
  });

  describe('retractions', () => {
    let position = 0;
    let before = '';
    const retracted = [
      DEMO_IDS.kharkivCasualties,
      DEMO_IDS.russianClaim,
      DEMO_IDS.exchange,
      DEMO_IDS.g7Warning,
    ];

    beforeAll(async () => {
      for (const incidentId of retracted) {
        const answer = await post('retract-incident', {
          incidentId,
          reason: 'Retracted by the source.',
        });
        position = answer.body.position as number;
      }
      const { body } = await getOk(`/v1/timeline/${DEMO_IDS.kharkivCasualties}?${fresh(position)}`);
      const history = body.history as { type: string; recordedAt: string }[];
      expect(history.map((e) => e.type)).toEqual(['CasualtiesReported', 'IncidentRetracted']);
      expect(body.status).toBe('retracted');
      before = shift(history[1]!.recordedAt, -1);
    });

    it('removes the incidents from every tally', async () => {
      const casualties = await getOk(`/v1/tallies/casualties?${fresh(position)}`);
      expect(casualties.body.rows).toEqual([
        { country: 'UA', region: 'UA-30', killed: null, injured: 20, atLeast: true },
      ]);
      expect(casualties.body.totals).toEqual({ killed: null, injured: 20, atLeast: true });

      const strikes = await getOk(`/v1/tallies/strikes?${fresh(position)}`);
      expect((strikes.body.rows as { attacker: string }[]).map((r) => r.attacker)).toEqual([
        'RU',
        'RU',
      ]);
      expect(strikes.body.totals).toEqual({
        strikes: 1,
        launched: null,
        intercepted: 251,
        interceptionRate: null,
      });

      const prisoners = await getOk(`/v1/tallies/prisoners?${fresh(position)}`);
      expect(prisoners.body.totals).toEqual({ exchanges: 0, releasedBy: {} });
      expect(prisoners.body.agreements).toEqual([
        {
          agreementId: DEMO_IDS.agreement,
          parties: ['UA', 'RU'],
          totalPerSide: 1000,
          releasedBy: {},
          progress: 0,
        },
      ]);

      const sanctions = await getOk(`/v1/tallies/sanctions?${fresh(position)}`);
      expect(sanctions.body.rows).toEqual([]);

      const incidents = await getOk(`/v1/tallies/incidents?${fresh(position)}`);
      expect(incidents.body.rows).toEqual([
        { type: 'PrisonerExchangeAgreed', count: 1 },
        { type: 'StatementIssued', count: 2 },
        { type: 'StrikeReported', count: 1 },
        { type: 'TalksHeld', count: 1 },
      ]);
    });

    it('removes them from the timeline unless includeRetracted=true', async () => {
      const live = await getOk(`/v1/timeline?${fresh(position)}`);
      const liveIds = (live.body.items as { incidentId: string }[]).map((i) => i.incidentId);
      expect(liveIds).toHaveLength(DEMO_COMMANDS.length - retracted.length);
      for (const id of retracted) expect(liveIds).not.toContain(id);

      const all = await getOk(`/v1/timeline?includeRetracted=true`);
      const items = all.body.items as { incidentId: string; status: string }[];
      expect(items).toHaveLength(DEMO_COMMANDS.length);
      for (const id of retracted)
        expect(items.find((i) => i.incidentId === id)).toMatchObject({ status: 'retracted' });
      expect(items.find((i) => i.incidentId === DEMO_IDS.kyivStrike)).toMatchObject({
        status: 'corrected',
      });
    });

    it('still counts them as of an instant before the retraction', async () => {
      const old = await getOk(`/v1/tallies/casualties?asOf=${encodeURIComponent(before)}`);
      expect(old.body.rows).toEqual([
        { country: 'UA', region: 'UA-30', killed: null, injured: 20, atLeast: true },
        { country: 'UA', region: 'UA-63', killed: 4, injured: null, atLeast: false },
      ]);
      const timeline = await getOk(`/v1/timeline?asOf=${encodeURIComponent(before)}`);
      expect((timeline.body.items as { incidentId: string }[]).map((i) => i.incidentId)).toContain(
        DEMO_IDS.kharkivCasualties,
      );
    });
  });

  describe('read-your-writes parameters', () => {
    it('answers a new incident at once when asked with its position', async () => {
      const demo = DEMO_COMMANDS.find((c) => c.command === 'report-casualties')!;
      const body = {
        ...structuredClone(demo.body),
        incidentId: '0d6c3a40-8d1f-4a51-9a55-3f0c4c8d2f11',
        eventId: undefined,
        summary: 'A fresh casualty report',
      };
      const answer = await post('report-casualties', body);
      const position = answer.body.position as number;
      const { body: read } = await getOk(`/v1/timeline?${fresh(position)}&q=fresh`);
      expect(read.meta.stale).toBe(false);
      expect(read.meta.position).toBeGreaterThanOrEqual(position);
      expect((read.items as { incidentId: string }[]).map((i) => i.incidentId)).toEqual([
        body.incidentId,
      ]);
      const tally = await getOk(`/v1/tallies/casualties?${fresh(position)}`);
      expect(tally.body.rows).toContainEqual({
        country: 'UA',
        region: 'UA-63',
        killed: 4,
        injured: null,
        atLeast: false,
      });
    });

    it('rejects a minPosition that names no event, naming minPosition', async () => {
      for (const path of [
        '/v1/timeline',
        '/v1/tallies/strikes',
        `/v1/timeline/${DEMO_IDS.talks}`,
      ]) {
        expectValidationProblem(
          await get(`${path}?minPosition=${demoPosition + 1_000_000}`),
          'minPosition',
        );
      }
      expectValidationProblem(await get(`/v1/timeline?minPosition=0`), 'minPosition');
      expectValidationProblem(await get(`/v1/timeline?minPosition=abc`), 'minPosition');
    });

    it('rejects waitMs over 10000 (and accepts 10000)', async () => {
      expectValidationProblem(
        await get(`/v1/timeline?minPosition=${demoPosition}&waitMs=10001`),
        'waitMs',
      );
      expectValidationProblem(await get(`/v1/tallies/prisoners?waitMs=10001`), 'waitMs');
      expectValidationProblem(await get(`/v1/timeline?waitMs=-1`), 'waitMs');
      const ok = await getOk(`/v1/timeline?minPosition=${demoPosition}&waitMs=10000`);
      expect(ok.body.meta.stale).toBe(false);
    });

    it('says stale false when no minPosition is given', async () => {
      const { body } = await getOk(`/v1/tallies/incidents`);
      expect(body.meta.stale).toBe(false);
      expect(body.meta.asOf).toBeUndefined();
    });
  });
});

describe.each(storesUnderTest())('a projection that cannot catch up in time, on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { runProjections: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers stale: true after waitMs, and what it has', async () => {
    const demo = DEMO_COMMANDS.find((c) => c.command === 'report-casualties')!;
    const answer = await t.request('POST', '/v1/commands/report-casualties', {
      key: 'writer',
      body: demo.body,
    });
    expect(answer.status).toBe(201);
    const position = answer.body.position as number;
    for (const path of [
      `/v1/timeline?minPosition=${position}&waitMs=50`,
      `/v1/tallies/casualties?minPosition=${position}&waitMs=50`,
      `/v1/tallies/prisoners?minPosition=${position}`,
    ]) {
      const read = await t.request('GET', path, { key: 'reader' });
      expect({ path, status: read.status, stale: read.body.meta?.stale }).toEqual({
        path,
        status: 200,
        stale: true,
      });
      expect(read.body.meta.position).toBeLessThan(position);
    }
    const timeline = await t.request('GET', `/v1/timeline?minPosition=${position}`, {
      key: 'reader',
    });
    expect(timeline.body.items).toEqual([]);
    const csv = await t.request('GET', `/v1/tallies/casualties?minPosition=${position}`, {
      key: 'reader',
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('x-stale')).toBe('true');
  });
});
