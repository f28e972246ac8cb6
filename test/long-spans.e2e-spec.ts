import { startTestApp, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

function id(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/**
 * `from` matches an incident whose span ends on or after it, however early the span began.
 * Reads bound a span's start from below (two days before `from`) and find the longer spans
 * through their own index: these incidents sit on either side of that bound.
 */
const STRIKES = {
  // Ends in April; began two months before.
  winter: { id: id(1), occurredAt: '2025-02-01', occurredUntil: '2025-04-03', launched: 1 },
  // Covers the whole of April.
  season: { id: id(2), occurredAt: '2025-03-10', occurredUntil: '2025-05-20', launched: 10 },
  // Three days, the last of them in April.
  threeDays: {
    id: id(3),
    occurredAt: '2025-03-30T06:00:00+03:00',
    occurredUntil: '2025-04-01T04:00:00+03:00',
    launched: 100,
  },
  // One night over the turn of the month: a short span that ends in April.
  overnight: {
    id: id(4),
    occurredAt: '2025-03-31T23:00:00+03:00',
    occurredUntil: '2025-04-01T03:00:00+03:00',
    launched: 1000,
  },
  // Ends before April.
  march: { id: id(5), occurredAt: '2025-03-01', occurredUntil: '2025-03-29', launched: 10000 },
  // Within April.
  april: { id: id(6), occurredAt: '2025-04-15', launched: 100000 },
} as const;

type Name = keyof typeof STRIKES;
const NAME_OF = new Map(Object.entries(STRIKES).map(([name, s]) => [s.id, name as Name]));

describe.each(storesUnderTest())('long spans and `from` on %s', (kind) => {
  let t: TestApp;
  let position = 0;

  beforeAll(async () => {
    t = await startTestApp(kind);
    for (const strike of Object.values(STRIKES)) {
      const { id: incidentId, launched, ...times } = strike;
      const answer = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body: {
          incidentId,
          ...times,
          location: { country: 'UA', regions: ['UA-30'] },
          attacker: 'RU',
          weapons: [{ kind: 'drone', launched }],
          summary: 'A strike',
          sources: [{ name: 'Wire' }],
        },
      });
      expect(answer.status).toBe(201);
      position = answer.body.position as number;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const cases: [string, Name[]][] = [
    ['from=2025-04-01&to=2025-04-30', ['winter', 'season', 'threeDays', 'overnight', 'april']],
    ['from=2025-04-02', ['winter', 'season', 'april']],
    ['from=2025-04-10&to=2025-04-12', ['season']],
    ['from=2025-05-01', ['season']],
    ['from=2025-03-30&to=2025-03-30', ['winter', 'season', 'threeDays']],
  ];

  it.each(cases)('timeline ?%s', async (query, expected) => {
    const answer = await t.request(
      'GET',
      `/v1/timeline?${query}&limit=100&minPosition=${position}&waitMs=5000`,
      { key: 'reader' },
    );
    expect(answer.status).toBe(200);
    const found = (answer.body.items as { incidentId: string }[]).map((i) =>
      NAME_OF.get(i.incidentId),
    );
    expect(found.sort()).toEqual([...expected].sort());
  });

  it.each(cases)('strikes tally ?%s', async (query, expected) => {
    const answer = await t.request(
      'GET',
      `/v1/tallies/strikes?${query}&minPosition=${position}&waitMs=5000`,
      { key: 'reader' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.totals).toMatchObject({
      strikes: expected.length,
      launched: expected.reduce((sum, name) => sum + STRIKES[name].launched, 0),
    });
  });
});
