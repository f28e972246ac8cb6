import { startTestApp, type Answer, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';
import { csvObjects } from './support/csv';

/** A fixed incident id per fixture name (hex digits chosen so that ties have a known order). */
function id(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

const source = (name: string) => [{ name }];

/**
 * The fixture: fourteen incidents of March 2025 (Kyiv is at UTC+2 then), chosen so that every
 * filter has something to include and something to leave out.
 */
const FIXTURE = {
  // 1 March (a day): Kyiv city.
  A: {
    id: id(0xa1),
    command: 'report-strike',
    body: {
      occurredAt: '2025-03-01',
      location: { country: 'UA', regions: ['UA-30'], place: 'Kyiv city centre' },
      attacker: 'RU',
      weapons: [{ kind: 'drone', launched: 10, intercepted: 8 }],
      summary: 'Drones over the capital',
      sources: source('Kyiv Independent'),
      tags: ['alpha', 'air'],
    },
  },
  // 2 March 10:00 Kyiv.
  B: {
    id: id(0xb2),
    command: 'report-casualties',
    body: {
      occurredAt: '2025-03-02T10:00:00+02:00',
      location: { country: 'UA', regions: ['UA-63'] },
      casualties: [{ killed: 2 }],
      summary: 'Shelling in KHARKIV killed two',
      sources: source('Regional administration'),
      tags: ['beta'],
    },
  },
  // 2 March 22:00 to 4 March 05:00 Kyiv: a span over three days; regions only on its lines.
  C: {
    id: id(0xc3),
    command: 'report-strike',
    body: {
      occurredAt: '2025-03-02T22:00:00+02:00',
      occurredUntil: '2025-03-04T05:00:00+02:00',
      location: { country: 'UA', regions: ['UA-51'], place: 'Odesa port' },
      attacker: 'RU',
      weapons: [{ kind: 'drone', region: 'UA-12', intercepted: 5 }],
      casualties: [{ region: 'UA-23', injured: 3 }],
      summary: 'A long night of attacks',
      sources: source('Air Force'),
      tags: ['air'],
    },
  },
  // 3 March (a day): a statement with a party (but location.country UA as well).
  D: {
    id: id(0xd4),
    command: 'record-statement',
    body: {
      occurredAt: '2025-03-03',
      location: { country: 'UA' },
      speaker: 'A spokesperson',
      party: 'UA',
      text: 'A statement about the attacks.',
      summary: 'A statement on the attacks',
      sources: source('Office of the President'),
    },
  },
  // 3 March (a day), the same instant as D: a tie ordered by incidentId.
  E: {
    id: id(0xd0),
    command: 'warn-sanctions',
    body: {
      occurredAt: '2025-03-03',
      location: { country: 'BE', place: 'Brussels' },
      issuer: 'EU',
      target: 'RU',
      summary: 'The EU warned Russia',
      sources: source('Council of the EU'),
      tags: ['sanctions'],
    },
  },
  // 3 March 22:30 UTC is 4 March 00:30 in Kyiv.
  M: {
    id: id(0xe5),
    command: 'report-strike',
    body: {
      occurredAt: '2025-03-03T22:30:00Z',
      location: { country: 'UA', regions: ['UA-30'] },
      attacker: 'RU',
      weapons: [{ kind: 'cruise_missile', launched: 2 }],
      summary: 'Missile after midnight',
      sources: source('Kyiv city military administration'),
    },
  },
  F: {
    id: id(0xf6),
    command: 'impose-sanctions',
    body: {
      occurredAt: '2025-03-05',
      location: { country: 'US' },
      issuer: 'US',
      target: 'RU',
      summary: 'New US sanctions package',
      sources: source('Treasury'),
      tags: ['sanctions'],
    },
  },
  G: {
    id: id(0xf7),
    command: 'record-prisoner-exchange',
    body: {
      occurredAt: '2025-03-05',
      location: { country: 'UA', place: 'Belarusian border' },
      released: [
        { by: 'RU', count: 10 },
        { by: 'UA', count: 10 },
      ],
      mediator: 'AE',
      summary: 'Exchange of ten for ten',
      sources: source('Coordination headquarters'),
    },
  },
  H: {
    id: id(0xf8),
    command: 'record-talks',
    body: {
      occurredAt: '2025-03-06',
      location: { country: 'SA', place: 'Jeddah' },
      parties: ['UA', 'US'],
      venue: 'Jeddah',
      outcome: 'Agreed to continue.',
      summary: 'Talks in Jeddah',
      sources: source('State Department'),
    },
  },
  I: {
    id: id(0xf9),
    command: 'report-strike',
    body: {
      occurredAt: '2025-03-06',
      location: { country: 'RU', regions: ['RU-BEL'] },
      attacker: 'UA',
      weapons: [{ kind: 'drone', intercepted: 30 }],
      summary: 'Drones over Belgorod',
      sources: source('Russian defence ministry'),
    },
  },
  // Retracted below.
  J: {
    id: id(0xfa),
    command: 'report-casualties',
    body: {
      occurredAt: '2025-03-07',
      location: { country: 'UA' },
      casualties: [{ region: 'UA-30', injured: 1 }],
      summary: 'Injured in Kyiv',
      sources: source('Police'),
    },
  },
  // Three incidents at one instant, recorded in the reverse of their id order.
  T3: {
    id: id(0xff03),
    command: 'record-statement',
    body: {
      occurredAt: '2025-03-08T12:00:00Z',
      location: { country: 'PL' },
      speaker: 'Third',
      party: 'PL',
      text: 'Third.',
      summary: 'Tie three',
      sources: source('Wire'),
    },
  },
  T2: {
    id: id(0xff02),
    command: 'record-statement',
    body: {
      occurredAt: '2025-03-08T12:00:00Z',
      location: { country: 'PL' },
      speaker: 'Second',
      party: 'PL',
      text: 'Second.',
      summary: 'Tie two',
      sources: source('Wire'),
    },
  },
  T1: {
    id: id(0xff01),
    command: 'record-statement',
    body: {
      occurredAt: '2025-03-08T12:00:00Z',
      location: { country: 'PL' },
      speaker: 'First',
      party: 'PL',
      text: 'First.',
      summary: 'Tie one',
      sources: source('Wire'),
    },
  },
} as const;

type Name = keyof typeof FIXTURE;
const NAMES = Object.keys(FIXTURE) as Name[];
const NAME_OF = new Map(NAMES.map((name) => [FIXTURE[name].id, name]));
const RETRACTED: Name[] = ['J'];
const LIVE = NAMES.filter((n) => !RETRACTED.includes(n));

interface Item {
  incidentId: string;
  occurredAt: string;
  status: string;
  location: unknown;
  [key: string]: unknown;
}

function names(items: readonly Item[]): Name[] {
  return items.map((i) => NAME_OF.get(i.incidentId) ?? (i.incidentId as Name));
}

function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}

describe.each(storesUnderTest())('GET /v1/timeline filters on %s', (kind) => {
  let t: TestApp;
  let position = 0;

  async function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return t.request('GET', path, { key: 'reader', headers });
  }

  /** The items of a read (all on one page), asserting a 200. */
  async function list(query: string): Promise<Item[]> {
    const answer = await get(`/v1/timeline?limit=500&minPosition=${position}&waitMs=5000&${query}`);
    expect({ query, status: answer.status, errors: answer.body?.errors }).toEqual({
      query,
      status: 200,
      errors: undefined,
    });
    if (answer.body.meta.stale !== false) {
      // Say why: the projections' state, as stored.
      const state = await t.store.store.db
        .selectFrom('event_store.projections')
        .selectAll()
        .execute();
      expect({ query, stale: answer.body.meta.stale, state }).toEqual({ query, stale: false });
    }
    expect(answer.body.nextCursor).toBeNull();
    return answer.body.items as Item[];
  }

  async function expectNames(query: string, expected: Name[]): Promise<void> {
    expect({ query, names: sorted(names(await list(query))) }).toEqual({
      query,
      names: sorted(expected),
    });
  }

  function expectProblem(answer: Answer, path: string, message?: RegExp): void {
    expect({ status: answer.status, type: answer.body?.type }).toEqual({
      status: 400,
      type: '/problems/validation',
    });
    const error = (answer.body.errors as { path: string; message: string }[]).find(
      (e) => e.path === path,
    );
    expect({ path, found: error !== undefined, errors: answer.body.errors }).toMatchObject({
      path,
      found: true,
    });
    if (message) expect(error!.message).toMatch(message);
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    for (const name of NAMES) {
      const { id: incidentId, command, body } = FIXTURE[name];
      const answer = await t.request('POST', `/v1/commands/${command}`, {
        key: 'writer',
        body: { incidentId, ...body },
      });
      expect({
        name,
        status: answer.status,
        body: answer.status === 201 ? {} : answer.body,
      }).toEqual({
        name,
        status: 201,
        body: {},
      });
      position = answer.body.position as number;
    }
    for (const name of RETRACTED) {
      const answer = await t.request('POST', '/v1/commands/retract-incident', {
        key: 'writer',
        body: { incidentId: FIXTURE[name].id, reason: 'Wrong report.' },
      });
      expect(answer.status).toBe(201);
      position = answer.body.position as number;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists every live incident in occurredAt order, ties by incidentId', async () => {
    const items = await list('');
    expect(sorted(names(items))).toEqual(sorted(LIVE));
    for (let i = 1; i < items.length; i++) {
      const a = items[i - 1]!;
      const b = items[i]!;
      const ordered =
        a.occurredAt < b.occurredAt ||
        (a.occurredAt === b.occurredAt && a.incidentId < b.incidentId);
      expect({ a: a.incidentId, b: b.incidentId, ordered }).toMatchObject({ ordered: true });
    }
    // The ties: E before D (same day), T1, T2, T3 by id although recorded the other way round.
    const order = names(items);
    expect(order.indexOf('E')).toBe(order.indexOf('D') - 1);
    expect(order.slice(-3)).toEqual(['T1', 'T2', 'T3']);
    const desc = await list('order=desc');
    expect(names(desc)).toEqual([...order].reverse());
  });

  it('filters by from and to: inclusive Kyiv days, spans overlapping', async () => {
    await expectNames('from=2025-03-03&to=2025-03-03', ['C', 'D', 'E']);
    // 22:30 UTC on 3 March is 4 March in Kyiv.
    await expectNames('from=2025-03-04&to=2025-03-04', ['C', 'M']);
    await expectNames('from=2025-03-02&to=2025-03-02', ['B', 'C']);
    await expectNames('to=2025-03-01', ['A']);
    await expectNames('from=2025-03-07', ['T1', 'T2', 'T3']);
    await expectNames('from=2025-03-05&to=2025-03-06', ['F', 'G', 'H', 'I']);
    await expectNames('from=2025-04-01', []);
    expectProblem(await get('/v1/timeline?from=2025-03-05&to=2025-03-04'), 'to');
    expectProblem(await get('/v1/timeline?from=2025-3-5'), 'from');
    expectProblem(await get('/v1/timeline?to=2025-03-05T00:00:00Z'), 'to');
  });

  it('filters by type (a comma list); an unknown type is a 400', async () => {
    await expectNames('type=StrikeReported', ['A', 'C', 'M', 'I']);
    await expectNames('type=StrikeReported,CasualtiesReported', ['A', 'B', 'C', 'M', 'I']);
    await expectNames('type=SanctionsWarned,SanctionsImposed', ['E', 'F']);
    expectProblem(await get('/v1/timeline?type=StrikeReported,Bombing'), 'type', /Bombing/);
    expectProblem(await get('/v1/timeline?type=IncidentCorrected'), 'type');
  });

  it('filters by country (location.country)', async () => {
    await expectNames('country=RU', ['I']);
    await expectNames('country=US', ['F']);
    await expectNames('country=PL', ['T1', 'T2', 'T3']);
    expectProblem(await get('/v1/timeline?country=EU'), 'country');
    expectProblem(await get('/v1/timeline?country=Ukraine'), 'country');
  });

  it('filters by region, code or name, over location and weapon and casualty lines', async () => {
    await expectNames('region=UA-30', ['A', 'M']);
    await expectNames('region=Kiev', ['A', 'M']);
    await expectNames('region=kyiv', ['A', 'M']);
    await expectNames('region=UA-12', ['C']); // a weapon line's region
    await expectNames('region=Zaporizhia', ['C']); // a casualty line's region
    await expectNames('region=UA-63', ['B']);
    await expectNames('region=Belgorod%20region', ['I']);
    await expectNames('region=UA-30&includeRetracted=true', ['A', 'M', 'J']);
    expectProblem(await get('/v1/timeline?region=Kyivv'), 'region', /did you mean UA-30/);
  });

  it('filters by party: any party named, not location.country', async () => {
    await expectNames('party=RU', ['A', 'C', 'M', 'E', 'F', 'G']);
    await expectNames('party=UA', ['D', 'G', 'H', 'I']);
    await expectNames('party=AE', ['G']); // a mediator
    await expectNames('party=EU', ['E']); // an issuer
    await expectNames('party=US', ['F', 'H']);
    await expectNames('party=PL', ['T1', 'T2', 'T3']); // a statement's party
    await expectNames('party=BE', []); // only a location.country
    expectProblem(await get('/v1/timeline?party=Russia'), 'party');
  });

  it('filters by tag', async () => {
    await expectNames('tag=sanctions', ['E', 'F']);
    await expectNames('tag=air', ['A', 'C']);
    await expectNames('tag=alpha', ['A']);
    await expectNames('tag=Alpha', []);
  });

  it('filters by q: every word, case-insensitive, over summary, place and source names', async () => {
    await expectNames('q=kharkiv%20shelling', ['B']);
    await expectNames('q=KYIV%20independent', ['A']); // a source name
    await expectNames('q=odesa', ['C']); // the place
    await expectNames('q=odesa%20drones', []);
    await expectNames('q=jeddah', ['H']);
    await expectNames('q=drones', ['A', 'I']);
    await expectNames('q=tie', ['T1', 'T2', 'T3']);
  });

  it('includes retracted incidents only when asked, with status retracted', async () => {
    const all = await list('includeRetracted=true');
    expect(sorted(names(all))).toEqual(sorted(NAMES));
    expect(all.find((i) => i.incidentId === FIXTURE.J.id)).toMatchObject({ status: 'retracted' });
    await expectNames('includeRetracted=false', LIVE);
    expectProblem(await get('/v1/timeline?includeRetracted=yes'), 'includeRetracted');
  });

  it('combines filters', async () => {
    await expectNames('party=RU&type=StrikeReported&from=2025-03-02', ['C', 'M']);
    await expectNames('region=UA-30&q=missile', ['M']);
  });

  it('checks order and limit', async () => {
    expectProblem(await get('/v1/timeline?order=up'), 'order');
    expectProblem(await get('/v1/timeline?limit=0'), 'limit');
    expectProblem(await get('/v1/timeline?limit=501'), 'limit');
    expectProblem(await get('/v1/timeline?limit=ten'), 'limit');
    const one = await get('/v1/timeline?limit=1');
    expect(one.status).toBe(200);
    expect(names(one.body.items as Item[])).toEqual(['A']);
    expect(typeof one.body.nextCursor).toBe('string');
    const all = await get('/v1/timeline');
    expect((all.body.items as Item[]).length).toBe(LIVE.length); // the default limit is 50
    expect(all.body.nextCursor).toBeNull();
  });

  it.each([
    ['asc', 1],
    ['asc', 2],
    ['desc', 3],
    ['asc', 13],
  ] as const)(
    'pages through everything with cursors, %s by %i, without duplicates or gaps',
    async (order, limit) => {
      const expected = names(await list(`order=${order}`));
      const seen: Name[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/v1/timeline?order=${order}&limit=${limit}${
          cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        }`;
        const answer = await get(query);
        expect(answer.status).toBe(200);
        const items = answer.body.items as Item[];
        expect(items.length).toBeLessThanOrEqual(limit);
        seen.push(...names(items));
        cursor = answer.body.nextCursor as string | null;
        pages++;
        expect(pages).toBeLessThanOrEqual(expected.length + 1);
      } while (cursor !== null);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
    },
  );

  it('pages filtered reads too (region and includeRetracted)', async () => {
    const first = await get('/v1/timeline?region=UA-30&includeRetracted=true&limit=2');
    expect(names(first.body.items as Item[])).toEqual(['A', 'M']);
    const second = await get(
      `/v1/timeline?region=UA-30&includeRetracted=true&limit=2&cursor=${encodeURIComponent(
        first.body.nextCursor as string,
      )}`,
    );
    expect(names(second.body.items as Item[])).toEqual(['J']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('rejects a cursor it did not give', async () => {
    expectProblem(await get('/v1/timeline?cursor=not-a-cursor'), 'cursor');
    const forged = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
    expectProblem(await get(`/v1/timeline?cursor=${forged}`), 'cursor');
    const array = Buffer.from(JSON.stringify({ a: 1 })).toString('base64url');
    expectProblem(await get(`/v1/timeline?cursor=${array}`), 'cursor');
  });

  it('rejects an unknown query parameter', async () => {
    expectProblem(await get('/v1/timeline?colour=red'), 'colour');
    expectProblem(await get('/v1/timeline?groupBy=month'), 'groupBy');
    expectProblem(await get(`/v1/timeline/${FIXTURE.A.id}?limit=1`), 'limit');
  });

  it('answers CSV: a header row and one line per item, nested values JSON-encoded', async () => {
    const json = await list('region=UA-30&includeRetracted=true');
    const answer = await get('/v1/timeline?region=UA-30&includeRetracted=true', {
      accept: 'text/csv',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(answer.headers.get('x-stale')).toBe('false');
    expect(Number(answer.headers.get('x-position'))).toBeGreaterThanOrEqual(position);
    const { header, rows } = csvObjects(answer.text);
    expect(header).toEqual([
      'incidentId',
      'type',
      'occurredAt',
      'occurredUntil',
      'precision',
      'location',
      'summary',
      'sources',
      'tags',
      'details',
      'status',
      'version',
      'recordedAt',
      'updatedAt',
      'position',
    ]);
    expect(rows).toHaveLength(json.length);
    rows.forEach((row, i) => {
      const item = json[i]!;
      expect(row.incidentId).toBe(item.incidentId);
      expect(row.status).toBe(item.status);
      expect(row.occurredAt).toBe(item.occurredAt);
      expect(row.occurredUntil).toBe(item.occurredUntil ?? '');
      expect(row.summary).toBe(item.summary);
      expect(Number(row.version)).toBe(item.version);
      expect(JSON.parse(row.location!)).toEqual(item.location);
      expect(JSON.parse(row.sources!)).toEqual(item.sources);
      expect(JSON.parse(row.tags!)).toEqual(item.tags);
      expect(JSON.parse(row.details!)).toEqual(item.details);
    });
    // A page of CSV gives the next cursor in a header.
    const paged = await get('/v1/timeline?limit=2', { accept: 'text/csv' });
    expect(csvObjects(paged.text).rows).toHaveLength(2);
    expect(paged.headers.get('x-next-cursor')).toEqual(expect.any(String));
  });

  describe('tallies', () => {
    it('validate groupBy: an unknown key, a repeated key, or a tally without groups is a 400', async () => {
      expectProblem(await get('/v1/tallies/strikes?groupBy=attacker,colour'), 'groupBy', /colour/);
      expectProblem(await get('/v1/tallies/casualties?groupBy=weaponKind'), 'groupBy');
      expectProblem(await get('/v1/tallies/strikes?groupBy=month,month'), 'groupBy');
      expectProblem(await get('/v1/tallies/incidents?groupBy=region'), 'groupBy');
      expectProblem(await get('/v1/tallies/prisoners?groupBy=month'), 'groupBy');
      expectProblem(await get('/v1/tallies/sanctions?groupBy=issuer'), 'groupBy');
      expectProblem(await get('/v1/tallies/strikes?limit=5'), 'limit');
      const unknown = await get('/v1/tallies/weather');
      expect(unknown.status).toBe(404);
    });

    it.each([
      ['prisoners', 'agreementId,parties,totalPerSide,releasedBy,progress'],
      ['incidents', 'type,count'],
      ['sanctions', 'issuer,target,warnings,impositions'],
    ])('answers an empty %s tally as CSV with its header row', async (name, header) => {
      const csv = await get(`/v1/tallies/${name}?from=1990-01-01&to=1990-01-02`, {
        accept: 'text/csv',
      });
      expect(csv.status).toBe(200);
      expect(csv.text).toBe(`${header}\r\n`);
    });

    it('answer a tally as CSV: header row of the group keys and figures, unknown as empty', async () => {
      const json = await get(
        `/v1/tallies/strikes?groupBy=attacker,month&minPosition=${position}&waitMs=5000`,
      );
      expect(json.body.rows).toEqual([
        {
          attacker: 'RU',
          month: '2025-03',
          strikes: 3,
          launched: 12,
          intercepted: 13,
          interceptionRate: 0.8,
        },
        {
          attacker: 'UA',
          month: '2025-03',
          strikes: 1,
          launched: null,
          intercepted: 30,
          interceptionRate: null,
        },
      ]);
      const csv = await get('/v1/tallies/strikes?groupBy=attacker,month', { accept: 'text/csv' });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const { header, rows } = csvObjects(csv.text);
      expect(header).toEqual([
        'attacker',
        'month',
        'strikes',
        'launched',
        'intercepted',
        'interceptionRate',
      ]);
      expect(rows).toEqual([
        {
          attacker: 'RU',
          month: '2025-03',
          strikes: '3',
          launched: '12',
          intercepted: '13',
          interceptionRate: '0.8',
        },
        {
          attacker: 'UA',
          month: '2025-03',
          strikes: '1',
          launched: '',
          intercepted: '30',
          interceptionRate: '',
        },
      ]);
      const casualties = await get('/v1/tallies/casualties', { accept: 'text/csv' });
      expect(csvObjects(casualties.text).header).toEqual([
        'country',
        'region',
        'killed',
        'injured',
        'atLeast',
      ]);
    });

    it('apply the same filters as the timeline', async () => {
      const strikes = await get('/v1/tallies/strikes?region=Kiev&groupBy=weaponKind');
      expect(strikes.body.rows).toEqual([
        {
          weaponKind: 'cruise_missile',
          strikes: 1,
          launched: 2,
          intercepted: null,
          interceptionRate: null,
        },
        { weaponKind: 'drone', strikes: 1, launched: 10, intercepted: 8, interceptionRate: 0.8 },
      ]);
      const byDay = await get('/v1/tallies/casualties?from=2025-03-03&to=2025-03-03');
      expect(byDay.body.rows).toEqual([
        { country: 'UA', region: 'UA-23', killed: null, injured: 3, atLeast: false },
      ]);
      const byParty = await get('/v1/tallies/sanctions?party=EU');
      expect(byParty.body.rows).toEqual([
        { issuer: 'EU', target: 'RU', warnings: 1, impositions: 0 },
      ]);
      expectProblem(await get('/v1/tallies/strikes?region=Kyivv'), 'region');
    });
  });
});
