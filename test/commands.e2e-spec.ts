/**
 * The write side over HTTP: every command's happy path (what the log stores), its rejections (the
 * problem body names each failing field, and the log does not grow), and the state rules of
 * `shared/API.md` (404, 409, 422, idempotent replays, corrections as merge patches).
 */
import { randomUUID } from 'node:crypto';
import { DEMO_COMMANDS, DEMO_IDS, type DemoCommandName } from '../db/seeds/demo-report';
import { startTestApp, type Answer, type KeyName, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

type Body = Record<string, any>;
type IncidentCommand = Exclude<DemoCommandName, 'correct-incident' | 'retract-incident'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const PROBLEM_TYPES: Record<number, string> = {
  400: '/problems/validation',
  401: '/problems/unauthorized',
  403: '/problems/forbidden',
  404: '/problems/not-found',
  409: '/problems/conflict',
  415: '/problems/unsupported-media-type',
  422: '/problems/unprocessable',
};

/** A demo incident's body with fresh ids (a copy: the demo is frozen). */
function demoBody(name: keyof typeof DEMO_IDS): Body {
  const found = DEMO_COMMANDS.find((c) => c.body.incidentId === DEMO_IDS[name]);
  if (!found) throw new Error(`no demo incident ${name}`);
  const { incidentId: _incidentId, eventId: _eventId, ...rest } = structuredClone(found.body);
  return { incidentId: randomUUID(), eventId: randomUUID(), ...rest };
}

/** The body without its ids: what the first event's data starts from. */
function withoutIds(body: Body): Body {
  const { incidentId: _incidentId, eventId: _eventId, ...rest } = structuredClone(body);
  return rest;
}

const SOURCES = [{ name: 'Test wire' }];

/** A valid body of each incident command; `agreementId` names a live agreement of the store. */
function validBody(command: IncidentCommand, agreementId: string): Body {
  switch (command) {
    case 'record-prisoner-exchange-agreement':
      return demoBody('agreement');
    case 'record-prisoner-exchange':
      return { ...demoBody('exchange'), agreementId };
    case 'report-strike':
      return demoBody('kyivStrike');
    case 'report-casualties':
      return demoBody('kharkivCasualties');
    case 'warn-sanctions':
      return demoBody('g7Warning');
    case 'impose-sanctions':
      return {
        incidentId: randomUUID(),
        eventId: randomUUID(),
        occurredAt: '2025-05-20',
        location: { country: 'BE', place: 'Brussels' },
        issuer: 'EU',
        target: 'RU',
        package: '17th package',
        sectors: ['shipping', 'finance'],
        summary: 'The EU adopted a 17th package of sanctions against Russia.',
        sources: SOURCES,
        tags: ['sanctions'],
      };
    case 'record-talks':
      return demoBody('talks');
    case 'record-statement':
      return demoBody('zelenskyyStatement');
  }
}

const INCIDENT_COMMANDS: IncidentCommand[] = [
  'record-prisoner-exchange-agreement',
  'record-prisoner-exchange',
  'report-strike',
  'report-casualties',
  'warn-sanctions',
  'impose-sanctions',
  'record-talks',
  'record-statement',
];

const EVENT_TYPES: Record<IncidentCommand, string> = {
  'record-prisoner-exchange-agreement': 'PrisonerExchangeAgreed',
  'record-prisoner-exchange': 'PrisonersExchanged',
  'report-strike': 'StrikeReported',
  'report-casualties': 'CasualtiesReported',
  'warn-sanctions': 'SanctionsWarned',
  'impose-sanctions': 'SanctionsImposed',
  'record-talks': 'TalksHeld',
  'record-statement': 'StatementIssued',
};

/** A happy path: what is sent (`input`) and what the first event stores (`stored`). */
interface HappyCase {
  command: IncidentCommand;
  input: (agreementId: string) => Body;
  stored: (input: Body) => Body;
  /** The envelope's occurredAt (UTC). */
  occurredAt: string;
}

const HAPPY: HappyCase[] = [
  {
    command: 'record-prisoner-exchange-agreement',
    input: () => ({ ...demoBody('agreement'), venue: '  Istanbul  ', parties: ['RU', 'UA'] }),
    stored: (input) => ({ ...withoutIds(input), venue: 'Istanbul' }),
    occurredAt: '2025-05-15T21:00:00.000Z', // 00:00 in Kyiv (UTC+3)
  },
  {
    command: 'record-prisoner-exchange',
    input: (agreementId) => ({
      ...demoBody('exchange'),
      agreementId,
      mediator: 'AE',
      released: [
        { by: 'RU', count: 307, categories: ['military', ' civilians '] },
        { by: 'UA', count: 0 },
      ],
    }),
    stored: (input) => ({
      ...withoutIds(input),
      released: [
        { by: 'RU', count: 307, categories: ['military', 'civilians'] },
        { by: 'UA', count: 0 },
      ],
    }),
    occurredAt: '2025-05-23T21:00:00.000Z',
  },
  {
    command: 'report-strike',
    input: () => ({
      ...demoBody('kyivStrike'),
      location: { country: 'UA', regions: ['Kiev', 'Dnipropetrovsk', 'odessa', 'Zaporozhye'] },
      weapons: [
        { kind: 'drone', model: 'Shahed-136', launched: 250, intercepted: 245 },
        { kind: 'ballistic_missile', intercepted: 6, region: 'Kyiv' },
      ],
      targetsHit: ['residential buildings'],
      casualties: [{ region: 'Kiev', injured: 15, atLeast: true }],
    }),
    stored: (input) => ({
      ...withoutIds(input),
      occurredAt: '2025-05-23T19:00:00.000Z',
      occurredUntil: '2025-05-24T04:00:00.000Z',
      location: { country: 'UA', regions: ['UA-30', 'UA-12', 'UA-51', 'UA-23'] },
      weapons: [
        { kind: 'drone', model: 'Shahed-136', launched: 250, intercepted: 245 },
        { kind: 'ballistic_missile', intercepted: 6, region: 'UA-30' },
      ],
      casualties: [{ region: 'UA-30', injured: 15, atLeast: true }],
    }),
    occurredAt: '2025-05-23T19:00:00.000Z',
  },
  {
    command: 'report-casualties',
    input: () => ({
      ...demoBody('kharkivCasualties'),
      occurredAt: '2025-05-24T15:30+03:00',
      location: { country: 'UA', regions: ['Kharkov'], lat: 49.99, lon: 36.23 },
      casualties: [{ region: 'Kharkiv oblast', killed: 4, atLeast: false }],
      cause: 'guided bombs',
    }),
    stored: (input) => ({
      ...withoutIds(input),
      occurredAt: '2025-05-24T12:30:00.000Z',
      location: { country: 'UA', regions: ['UA-63'], lat: 49.99, lon: 36.23 },
      casualties: [{ region: 'UA-63', killed: 4, atLeast: false }],
    }),
    occurredAt: '2025-05-24T12:30:00.000Z',
  },
  {
    command: 'warn-sanctions',
    input: () => ({ ...demoBody('g7Warning'), sectors: ['energy', 'banking'] }),
    stored: (input) => withoutIds(input),
    occurredAt: '2025-05-21T21:00:00.000Z',
  },
  {
    command: 'impose-sanctions',
    input: (agreementId) => ({
      ...validBody('impose-sanctions', agreementId),
      summary: '\n  The EU adopted\ta 17th package.  ',
      sources: [{ name: 'EU Council', url: 'https://www.consilium.europa.eu/' }],
    }),
    stored: (input) => ({ ...withoutIds(input), summary: 'The EU adopted\ta 17th package.' }),
    occurredAt: '2025-05-19T21:00:00.000Z',
  },
  {
    command: 'record-talks',
    input: () => ({ ...demoBody('talks'), parties: ['UA', 'RU', 'TR'] }),
    stored: (input) => withoutIds(input),
    occurredAt: '2025-05-15T21:00:00.000Z',
  },
  {
    command: 'record-statement',
    input: () => ({
      ...demoBody('zelenskyyStatement'),
      occurredAt: '2025-01-15',
      speaker: ' Volodymyr Zelenskyy ',
    }),
    stored: (input) => ({ ...withoutIds(input), speaker: 'Volodymyr Zelenskyy' }),
    occurredAt: '2025-01-14T22:00:00.000Z', // 00:00 in Kyiv (UTC+2 in winter)
  },
];

/** A rejected body: `change` breaks a valid one; `paths` are the exact errors[].path values. */
interface Rejection {
  name: string;
  change: (body: Body) => void;
  paths: string[];
  /** Matched against the message of the first error. */
  message?: RegExp;
}

const text = (n: number) => 'x'.repeat(n);
const list = (n: number) => Array.from({ length: n }, (_, i) => `item-${i}`);

/** Rejections every command that records an incident shares. */
const COMMON_REJECTIONS: Rejection[] = [
  { name: 'missing summary', change: (b) => delete b.summary, paths: ['summary'] },
  {
    name: 'an unknown field',
    change: (b) => (b.foo = 1),
    paths: ['foo'],
    message: /not an allowed field/,
  },
  {
    name: 'a bloc as location.country',
    change: (b) => (b.location = { ...b.location, country: 'G7' }),
    paths: ['location.country'],
    message: /bloc/,
  },
  {
    name: 'a control character in summary',
    change: (b) => (b.summary = 'Drones\u0007 struck'),
    paths: ['summary'],
    message: /control characters/,
  },
  { name: '21 tags', change: (b) => (b.tags = list(21)), paths: ['tags'] },
  {
    name: 'a summary of 2001 code points',
    change: (b) => (b.summary = text(2001)),
    paths: ['summary'],
  },
  { name: 'no sources', change: (b) => (b.sources = []), paths: ['sources'] },
  {
    name: 'an ftp source url',
    change: (b) => (b.sources = [{ name: 'x', url: 'ftp://example.org/a' }]),
    paths: ['sources[0].url'],
  },
  {
    name: 'lat 91',
    change: (b) => (b.location = { ...b.location, lat: 91 }),
    paths: ['location.lat'],
  },
  {
    name: 'an impossible date',
    change: (b) => (b.occurredAt = '2025-02-30'),
    paths: ['occurredAt'],
  },
  {
    name: 'a date-time without an offset',
    change: (b) => (b.occurredAt = '2025-05-24T03:00:00'),
    paths: ['occurredAt'],
  },
  {
    name: 'occurredUntil before occurredAt',
    change: (b) => {
      b.occurredAt = '2025-05-24T10:00:00+03:00';
      b.occurredUntil = '2025-05-24T09:59:59+03:00';
    },
    paths: ['occurredUntil'],
    message: /before occurredAt/,
  },
  {
    name: 'a malformed incidentId',
    change: (b) => (b.incidentId = 'incident-1'),
    paths: ['incidentId'],
  },
  {
    name: 'a tag of 51 characters',
    change: (b) => (b.tags = ['ok', text(51)]),
    paths: ['tags[1]'],
  },
  {
    name: 'an unknown field inside location',
    change: (b) => (b.location = { ...b.location, city: 'Kyiv' }),
    paths: ['location.city'],
  },
  {
    name: 'null for an optional field',
    change: (b) => (b.tags = null),
    paths: ['tags'],
  },
  {
    name: 'an unpaired surrogate in location.place',
    change: (b) => (b.location = { ...b.location, place: 'Kyiv \uD800' }),
    paths: ['location.place'],
  },
  {
    name: 'U+0000 in a source url',
    change: (b) => (b.sources = [{ name: 'x', url: 'https://example.org/a\u0000b' }]),
    paths: ['sources[0].url'],
  },
  {
    name: 'a field named constructor',
    change: (b) => Object.assign(b, JSON.parse('{"constructor": 1}')),
    paths: ['constructor'],
  },
  {
    name: 'a field named toString inside location',
    change: (b) => (b.location = { ...b.location, toString: 'x' }),
    paths: ['location.toString'],
  },
  {
    name: 'several failing fields at once',
    change: (b) => {
      b.summary = '   ';
      b.location = { ...b.location, lon: -181 };
    },
    paths: ['location.lon', 'summary'],
  },
];

/** Rejections of each command's own rules. */
const OWN_REJECTIONS: Record<IncidentCommand, Rejection[]> = {
  'record-prisoner-exchange-agreement': [
    {
      name: 'a lower-case party',
      change: (b) => (b.parties = ['UA', 'ru']),
      paths: ['parties[1]'],
      message: /unknown party "ru"; did you mean RU/,
    },
    { name: 'one party', change: (b) => (b.parties = ['UA']), paths: ['parties'] },
    { name: 'the same party twice', change: (b) => (b.parties = ['UA', 'UA']), paths: ['parties'] },
    { name: 'totalPerSide 0', change: (b) => (b.totalPerSide = 0), paths: ['totalPerSide'] },
    { name: 'totalPerSide "10"', change: (b) => (b.totalPerSide = '10'), paths: ['totalPerSide'] },
  ],
  'record-prisoner-exchange': [
    {
      name: 'a count given as "10"',
      change: (b) => (b.released[0].count = '10'),
      paths: ['released[0].count'],
    },
    {
      name: 'a count of 1,000,001',
      change: (b) => (b.released[1].count = 1_000_001),
      paths: ['released[1].count'],
    },
    {
      name: 'a count of 1.5',
      change: (b) => (b.released[0].count = 1.5),
      paths: ['released[0].count'],
    },
    { name: 'no released lines', change: (b) => (b.released = []), paths: ['released'] },
    {
      name: '11 released lines',
      change: (b) => (b.released = Array.from({ length: 11 }, () => ({ by: 'UA', count: 1 }))),
      paths: ['released'],
    },
    {
      name: 'a party given by name',
      change: (b) => (b.released[1].by = 'Russia'),
      paths: ['released[1].by'],
      message: /did you mean RU/,
    },
    { name: 'a lower-case mediator', change: (b) => (b.mediator = 'ae'), paths: ['mediator'] },
    {
      name: 'a malformed agreementId',
      change: (b) => (b.agreementId = 'abc'),
      paths: ['agreementId'],
    },
  ],
  'report-strike': [
    {
      name: 'intercepted more than launched',
      change: (b) => (b.weapons[0] = { kind: 'drone', launched: 10, intercepted: 11 }),
      paths: ['weapons[0].intercepted'],
    },
    {
      name: 'a misspelt region',
      change: (b) => (b.location.regions = ['UA-30', 'Zaporizzhia']),
      paths: ['location.regions[1]'],
      message: /unknown region "Zaporizzhia"; did you mean UA-23 \(Zaporizhzhia\)\?/,
    },
    {
      name: 'a region of another country',
      change: (b) => (b.location.regions = ['UA-30', 'Belgorod region']),
      paths: ['location.regions[1]'],
      message: /RU-BEL .*not a region of location\.country UA/,
    },
    {
      name: "a weapon line's region of another country",
      change: (b) => (b.weapons[1].region = 'RU-KRS'),
      paths: ['weapons[1].region'],
    },
    {
      name: 'an unknown weapon kind',
      change: (b) => (b.weapons[0].kind = 'laser'),
      paths: ['weapons[0].kind'],
    },
    { name: 'a missing attacker', change: (b) => delete b.attacker, paths: ['attacker'] },
    {
      name: 'launched -1',
      change: (b) => (b.weapons[0].launched = -1),
      paths: ['weapons[0].launched'],
    },
    {
      name: '51 regions',
      change: (b) => (b.location.regions = Array(51).fill('UA-30')),
      paths: ['location.regions'],
    },
  ],
  'report-casualties': [
    {
      name: 'killed -1',
      change: (b) => (b.casualties[0].killed = -1),
      paths: ['casualties[0].killed'],
    },
    {
      name: 'a casualty region of another country',
      change: (b) => (b.casualties[0].region = 'RU-BEL'),
      paths: ['casualties[0].region'],
    },
    {
      name: 'atLeast "yes"',
      change: (b) => (b.casualties[0].atLeast = 'yes'),
      paths: ['casualties[0].atLeast'],
    },
    { name: 'no casualty lines', change: (b) => (b.casualties = []), paths: ['casualties'] },
    {
      name: 'a casualty line that is not an object',
      change: (b) => (b.casualties = [4]),
      paths: ['casualties[0]'],
    },
  ],
  'warn-sanctions': [
    { name: 'an unknown issuer', change: (b) => (b.issuer = 'G8'), paths: ['issuer'] },
    { name: 'a missing target', change: (b) => delete b.target, paths: ['target'] },
    {
      name: 'a condition of 501 code points',
      change: (b) => (b.condition = text(501)),
      paths: ['condition'],
    },
    { name: '21 sectors', change: (b) => (b.sectors = list(21)), paths: ['sectors'] },
  ],
  'impose-sanctions': [
    {
      name: 'a lower-case target',
      change: (b) => (b.target = 'ru'),
      paths: ['target'],
      message: /did you mean RU/,
    },
    {
      name: 'an empty sector',
      change: (b) => (b.sectors = ['energy', '  ']),
      paths: ['sectors[1]'],
    },
    { name: 'a numeric package', change: (b) => (b.package = 17), paths: ['package'] },
    { name: 'a missing issuer', change: (b) => delete b.issuer, paths: ['issuer'] },
  ],
  'record-talks': [
    { name: 'one party', change: (b) => (b.parties = ['UA']), paths: ['parties'] },
    {
      name: 'an outcome of 2001 code points',
      change: (b) => (b.outcome = text(2001)),
      paths: ['outcome'],
    },
    { name: 'a missing venue', change: (b) => delete b.venue, paths: ['venue'] },
    { name: 'a bloc misspelt', change: (b) => (b.parties = ['UA', 'Nato']), paths: ['parties[1]'] },
  ],
  'record-statement': [
    { name: 'blank text', change: (b) => (b.text = '   '), paths: ['text'] },
    { name: 'text of 5001 code points', change: (b) => (b.text = text(5001)), paths: ['text'] },
    {
      name: 'a party given by name',
      change: (b) => (b.party = 'Ukraine'),
      paths: ['party'],
      message: /did you mean UA/,
    },
    {
      name: 'a topic that is not a string',
      change: (b) => (b.topics = ['ok', 1]),
      paths: ['topics[1]'],
    },
    { name: 'a missing speaker', change: (b) => delete b.speaker, paths: ['speaker'] },
  ],
};

describe.each(storesUnderTest())('commands on %s', (kind) => {
  let t: TestApp;
  /** A live agreement, for exchanges. */
  let agreementId: string;

  /**
   * The number of events stored. Counted in the store itself: on PostgreSQL `GET /v1/events` only
   * serves events below the oldest transaction still in flight on the server (the projections'
   * among them), so paging it right after a write may not show that write yet.
   */
  async function logLength(): Promise<number> {
    const row = await t.store.store.db
      .selectFrom('event_store.events')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  function post(
    command: string,
    body: unknown,
    options: { key?: KeyName | null; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    return t.request('POST', `/v1/commands/${command}`, { key: 'writer', body, ...options });
  }

  /** Posts a command that must be accepted with 201; returns its answer's body. */
  async function accepted(command: string, body: unknown): Promise<Body> {
    const answer = await post(command, body);
    expect([answer.status, answer.body]).toEqual([201, expect.anything()]);
    return answer.body;
  }

  /** Checks a problem answer: status, media type, type, and (when given) the exact error paths. */
  function expectProblem(answer: Answer, status: number, paths?: string[]): void {
    expect({ status: answer.status, body: answer.body }).toMatchObject({
      status,
      body: { type: PROBLEM_TYPES[status], status, title: expect.any(String) },
    });
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(typeof answer.body.detail).toBe('string');
    if (paths) {
      expect(Array.isArray(answer.body.errors)).toBe(true);
      const got = (answer.body.errors as { path: string; message: string }[]).map((e) => e.path);
      expect(got.sort()).toEqual([...paths].sort());
      for (const error of answer.body.errors) expect(error.message).toEqual(expect.any(String));
    }
  }

  /** Posts a command that must be rejected; checks the problem and that the log did not grow. */
  async function rejected(
    command: string,
    body: unknown,
    status: number,
    paths?: string[],
    options: { raw?: string; headers?: Record<string, string>; key?: KeyName | null } = {},
  ): Promise<Answer> {
    const before = await logLength();
    const answer =
      options.raw !== undefined
        ? await t.request('POST', `/v1/commands/${command}`, {
            key: options.key === undefined ? 'writer' : options.key,
            raw: options.raw,
            headers: { 'content-type': 'application/json', ...options.headers },
          })
        : await post(command, body, options);
    expectProblem(answer, status, paths);
    expect(await logLength()).toBe(before);
    return answer;
  }

  async function event(eventId: string): Promise<Body> {
    const answer = await t.request('GET', `/v1/events/${eventId}`, { key: 'reader' });
    expect(answer.status).toBe(200);
    return answer.body;
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    agreementId = (await accepted('record-prisoner-exchange-agreement', demoBody('agreement')))
      .incidentId;
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('happy paths', () => {
    it.each(HAPPY)('$command stores the normalised event', async (c) => {
      const input = c.input(agreementId);
      const correlationId = `corr-${randomUUID()}`;
      const before = await logLength();
      const answer = await post(c.command, input, {
        headers: { 'x-correlation-id': correlationId },
      });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      const type = EVENT_TYPES[c.command];
      expect(answer.body).toEqual({
        incidentId: input.incidentId,
        streamId: `incident-${input.incidentId}`,
        streamVersion: 1,
        events: [{ eventId: input.eventId, type, streamVersion: 1, position: expect.any(Number) }],
        position: answer.body.events[0].position,
      });
      expect(answer.body.position).toBeGreaterThan(0);
      expect(await logLength()).toBe(before + 1);

      const stored = await event(input.eventId);
      expect(stored).toEqual({
        eventId: input.eventId,
        streamId: `incident-${input.incidentId}`,
        streamVersion: 1,
        position: answer.body.position,
        type,
        schemaVersion: 1,
        occurredAt: c.occurredAt,
        recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        data: c.stored(input),
        metadata: {
          correlationId,
          causationId: expect.any(String),
          actor: 'writer',
          requestId: expect.any(String),
          schemaVersion: 1,
        },
      });
    });

    it('correct-incident stores the normalised merge patch as IncidentCorrected', async () => {
      const strike = validBody('report-strike', agreementId);
      await accepted('report-strike', strike);
      const correction = {
        incidentId: strike.incidentId,
        eventId: randomUUID(),
        changes: {
          location: { regions: ['Kiev', 'odesa'] },
          weapons: [{ kind: 'drone', launched: 250, intercepted: 245 }],
          tags: null,
        },
        reason: '  Figures confirmed by the air force.  ',
      };
      const before = await logLength();
      const answer = await post('correct-incident', correction, {
        headers: { 'x-correlation-id': 'corr-correction' },
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        incidentId: strike.incidentId,
        streamId: `incident-${strike.incidentId}`,
        streamVersion: 2,
        events: [
          {
            eventId: correction.eventId,
            type: 'IncidentCorrected',
            streamVersion: 2,
            position: expect.any(Number),
          },
        ],
        position: answer.body.events[0].position,
      });
      expect(await logLength()).toBe(before + 1);
      const stored = await event(correction.eventId);
      expect(stored).toMatchObject({
        type: 'IncidentCorrected',
        streamVersion: 2,
        position: answer.body.position,
        occurredAt: '2025-05-23T19:00:00.000Z',
        data: {
          changes: {
            location: { regions: ['UA-30', 'UA-51'] },
            weapons: [{ kind: 'drone', launched: 250, intercepted: 245 }],
            tags: null,
          },
          reason: 'Figures confirmed by the air force.',
        },
        metadata: { correlationId: 'corr-correction', actor: 'writer', schemaVersion: 1 },
      });
    });

    it('retract-incident stores IncidentRetracted', async () => {
      const statement = validBody('record-statement', agreementId);
      await accepted('record-statement', statement);
      const retraction = {
        incidentId: statement.incidentId,
        eventId: randomUUID(),
        expectedVersion: 1,
        reason: 'The statement was misattributed.',
      };
      const before = await logLength();
      const answer = await post('retract-incident', retraction, {
        headers: { 'x-correlation-id': 'corr-retraction' },
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        incidentId: statement.incidentId,
        streamId: `incident-${statement.incidentId}`,
        streamVersion: 2,
        events: [
          {
            eventId: retraction.eventId,
            type: 'IncidentRetracted',
            streamVersion: 2,
            position: expect.any(Number),
          },
        ],
        position: answer.body.events[0].position,
      });
      expect(await logLength()).toBe(before + 1);
      expect(await event(retraction.eventId)).toMatchObject({
        type: 'IncidentRetracted',
        streamVersion: 2,
        occurredAt: null,
        data: { reason: 'The statement was misattributed.' },
        metadata: { correlationId: 'corr-retraction', actor: 'writer' },
      });
    });

    it('makes the ids when the client gives none, and lower-cases the ones it gives', async () => {
      const { incidentId: _i, eventId: _e, ...body } = validBody('warn-sanctions', agreementId);
      const made = await accepted('warn-sanctions', body);
      expect(made.incidentId).toMatch(UUID);
      expect(made.events[0].eventId).toMatch(UUID);
      expect(made.streamId).toBe(`incident-${made.incidentId}`);

      const upper = validBody('warn-sanctions', agreementId);
      upper.incidentId = upper.incidentId.toUpperCase();
      upper.eventId = upper.eventId.toUpperCase();
      const answer = await accepted('warn-sanctions', upper);
      expect(answer.incidentId).toBe(upper.incidentId.toLowerCase());
      expect(answer.events[0].eventId).toBe(upper.eventId.toLowerCase());
    });

    it('counts a summary of exactly 2000 code points (emoji) as valid', async () => {
      const body = { ...validBody('record-statement', agreementId), summary: '😀'.repeat(2000) };
      expect(body.summary).toHaveLength(4000); // UTF-16 code units
      const answer = await accepted('record-statement', body);
      expect((await event(answer.events[0].eventId)).data.summary).toBe(body.summary);
      await rejected('record-statement', { ...body, summary: '😀'.repeat(2001) }, 400, ['summary']);
    });

    it('accepts "10" nowhere but 10 everywhere a count goes', async () => {
      const body = validBody('report-casualties', agreementId);
      body.casualties = [{ region: 'UA-63', killed: 10, injured: 0 }];
      await accepted('report-casualties', body);
      const stringly = validBody('report-casualties', agreementId);
      stringly.casualties = [{ region: 'UA-63', killed: '10', injured: '0' }];
      await rejected('report-casualties', stringly, 400, [
        'casualties[0].killed',
        'casualties[0].injured',
      ]);
    });
  });

  describe.each(INCIDENT_COMMANDS)('%s rejects', (command) => {
    it.each([...COMMON_REJECTIONS, ...OWN_REJECTIONS[command]])(
      '$name',
      async ({ change, paths, message }) => {
        const body = validBody(command, agreementId);
        change(body);
        const answer = await rejected(command, body, 400, paths);
        if (message) expect(answer.body.errors[0].message).toMatch(message);
      },
    );
  });

  describe('correct-incident', () => {
    /** A fresh strike incident: 2 weapon lines, 4 regions, a night-long span. */
    async function strike(): Promise<Body> {
      const body = validBody('report-strike', agreementId);
      await accepted('report-strike', body);
      return body;
    }

    it.each<[string, (incidentId: string) => Body, string[]]>([
      ['a missing reason', (id) => ({ incidentId: id, changes: { summary: 'x' } }), ['reason']],
      [
        'changes that are an array',
        (id) => ({ incidentId: id, changes: [], reason: 'r' }),
        ['changes'],
      ],
      ['a missing incidentId', () => ({ changes: { summary: 'x' }, reason: 'r' }), ['incidentId']],
      [
        'a negative expectedVersion',
        (id) => ({ incidentId: id, expectedVersion: -1, changes: {}, reason: 'r' }),
        ['expectedVersion'],
      ],
      [
        'an unknown field',
        (id) => ({ incidentId: id, changes: {}, reason: 'r', foo: true }),
        ['foo'],
      ],
      [
        'changes.incidentId',
        (id) => ({ incidentId: id, changes: { incidentId: randomUUID() }, reason: 'r' }),
        ['changes.incidentId'],
      ],
      [
        'changes.eventId',
        (id) => ({ incidentId: id, changes: { eventId: randomUUID() }, reason: 'r' }),
        ['changes.eventId'],
      ],
      [
        'changes with an unknown field',
        (id) => ({ incidentId: id, changes: { foo: 1 }, reason: 'r' }),
        ['changes.foo'],
      ],
      [
        'changes with a field named constructor',
        (id) => ({ incidentId: id, changes: JSON.parse('{"constructor": 1}'), reason: 'r' }),
        ['changes.constructor'],
      ],
      [
        'changes with an unpaired surrogate',
        (id) => ({ incidentId: id, changes: { summary: 'a\uDC00' }, reason: 'r' }),
        ['changes.summary'],
      ],
      [
        'changes that remove a required field',
        (id) => ({ incidentId: id, changes: { summary: null }, reason: 'r' }),
        ['changes.summary'],
      ],
      [
        'changes with an unknown region',
        (id) => ({
          incidentId: id,
          changes: { location: { regions: ['UA-30', 'Zaporizzhia'] } },
          reason: 'r',
        }),
        ['changes.location.regions[1]'],
      ],
      [
        'changes that make intercepted exceed launched',
        (id) => ({
          incidentId: id,
          changes: { weapons: [{ kind: 'drone', launched: 5, intercepted: 6 }] },
          reason: 'r',
        }),
        ['changes.weapons[0].intercepted'],
      ],
      [
        'changes that put occurredUntil before occurredAt',
        (id) => ({ incidentId: id, changes: { occurredAt: '2025-06-01' }, reason: 'r' }),
        ['changes.occurredUntil'],
      ],
      [
        'changes that move the country away from the regions',
        (id) => ({ incidentId: id, changes: { location: { country: 'PL' } }, reason: 'r' }),
        [0, 1, 2, 3]
          .map((i) => `changes.location.regions[${i}]`)
          .concat('changes.weapons[1].region', 'changes.casualties[0].region'),
      ],
    ])('rejects %s with 400', async (_name, make, paths) => {
      const incident = await strike();
      // The demo strike's second weapon line has no region; give it one for the country check.
      await accepted('correct-incident', {
        incidentId: incident.incidentId,
        changes: {
          weapons: [
            { kind: 'drone', intercepted: 245 },
            { kind: 'ballistic_missile', intercepted: 6, region: 'UA-30' },
          ],
        },
        reason: 'region of the missiles',
      });
      await rejected('correct-incident', make(incident.incidentId), 400, paths);
    });

    it('rejects changes that break the exchange rules with changes.<path>', async () => {
      const exchange = validBody('record-prisoner-exchange', agreementId);
      await accepted('record-prisoner-exchange', exchange);
      await rejected(
        'correct-incident',
        {
          incidentId: exchange.incidentId,
          changes: {
            released: [
              { by: 'RU', count: '10' },
              { by: 'ua', count: 1 },
            ],
          },
          reason: 'r',
        },
        400,
        ['changes.released[0].count', 'changes.released[1].by'],
      );
    });

    it('answers 404 for an unknown incident', async () => {
      await rejected(
        'correct-incident',
        { incidentId: randomUUID(), changes: { summary: 'x' }, reason: 'r' },
        404,
      );
    });

    it('answers 409 for a retracted incident', async () => {
      const incident = await strike();
      await accepted('retract-incident', { incidentId: incident.incidentId, reason: 'duplicate' });
      await rejected(
        'correct-incident',
        { incidentId: incident.incidentId, changes: { summary: 'x' }, reason: 'r' },
        409,
      );
    });

    it('answers 409 with currentVersion when expectedVersion does not match', async () => {
      const incident = await strike();
      const answer = await rejected(
        'correct-incident',
        {
          incidentId: incident.incidentId,
          expectedVersion: 2,
          changes: { summary: 'x' },
          reason: 'r',
        },
        409,
      );
      expect(answer.body.currentVersion).toBe(1);
      const ok = await accepted('correct-incident', {
        incidentId: incident.incidentId,
        expectedVersion: 1,
        changes: { summary: 'x' },
        reason: 'r',
      });
      expect(ok.streamVersion).toBe(2);
      const stale = await rejected(
        'correct-incident',
        {
          incidentId: incident.incidentId,
          expectedVersion: 1,
          changes: { summary: 'y' },
          reason: 'r',
        },
        409,
      );
      expect(stale.body.currentVersion).toBe(2);
    });

    it('merges objects field by field, replaces arrays, and removes fields given as null', async () => {
      const incident = await strike();
      const id = incident.incidentId;
      // location.place alone: country and regions stay (else location.country would be missing).
      const place = await accepted('correct-incident', {
        incidentId: id,
        changes: { location: { place: 'Kyiv and three regions' } },
        reason: 'place',
      });
      expect((await event(place.events[0].eventId)).data.changes).toEqual({
        location: { place: 'Kyiv and three regions' },
      });
      // A regions list replaces the old one: the four old regions do not come back with it.
      const regions = await accepted('correct-incident', {
        incidentId: id,
        changes: { location: { regions: ['Kyiv'] } },
        reason: 'regions',
      });
      expect((await event(regions.events[0].eventId)).data.changes).toEqual({
        location: { regions: ['UA-30'] },
      });
      // weapons replace as a whole: a line without `intercepted` does not inherit the old 245,
      // so launched 3 is valid (an element-wise merge would make intercepted 245 > launched 3).
      await accepted('correct-incident', {
        incidentId: id,
        changes: { weapons: [{ kind: 'drone', launched: 3 }] },
        reason: 'weapons',
      });
      // occurredUntil removed: a later occurredAt is then valid on its own.
      await rejected(
        'correct-incident',
        { incidentId: id, changes: { occurredAt: '2025-06-01' }, reason: 'r' },
        400,
        ['changes.occurredUntil'],
      );
      const removed = await accepted('correct-incident', {
        incidentId: id,
        changes: { occurredUntil: null },
        reason: 'no end time',
      });
      expect((await event(removed.events[0].eventId)).data.changes).toEqual({
        occurredUntil: null,
      });
      const moved = await accepted('correct-incident', {
        incidentId: id,
        changes: { occurredAt: '2025-06-01' },
        reason: 'date',
      });
      expect(moved.streamVersion).toBe(6);
      expect(await event(moved.events[0].eventId)).toMatchObject({
        occurredAt: '2025-05-31T21:00:00.000Z',
        data: { changes: { occurredAt: '2025-06-01' } },
      });
      // The merged state is what the next correction is checked against: regions is [UA-30],
      // so a country change now fails only there, and the weapon line has no region.
      await rejected(
        'correct-incident',
        { incidentId: id, changes: { location: { country: 'PL' } }, reason: 'r' },
        400,
        ['changes.location.regions[0]', 'changes.casualties[0].region'],
      );
    });

    it('checks a changed agreementId: 422 for a non-agreement, 201 for a live agreement', async () => {
      const exchange = validBody('record-prisoner-exchange', agreementId);
      await accepted('record-prisoner-exchange', exchange);
      const talks = validBody('record-talks', agreementId);
      await accepted('record-talks', talks);
      const answer = await rejected(
        'correct-incident',
        {
          incidentId: exchange.incidentId,
          changes: { agreementId: talks.incidentId },
          reason: 'r',
        },
        422,
        ['changes.agreementId'],
      );
      expect(answer.body.errors[0].message).toMatch(/TalksHeld/);
      await rejected(
        'correct-incident',
        { incidentId: exchange.incidentId, changes: { agreementId: randomUUID() }, reason: 'r' },
        422,
        ['changes.agreementId'],
      );
      const other = await accepted('record-prisoner-exchange-agreement', demoBody('agreement'));
      await accepted('correct-incident', {
        incidentId: exchange.incidentId,
        changes: { agreementId: other.incidentId },
        reason: 'the other agreement',
      });
      // Removing the reference needs no agreement at all.
      await accepted('correct-incident', {
        incidentId: exchange.incidentId,
        changes: { agreementId: null },
        reason: 'not part of an agreement',
      });
    });

    it('replays the same eventId and body with 200 and the first answer; other bodies are 409', async () => {
      const incident = await strike();
      const correction = {
        incidentId: incident.incidentId,
        eventId: randomUUID(),
        changes: { summary: 'Corrected summary.' },
        reason: 'typo',
      };
      const first = await post('correct-incident', correction);
      expect(first.status).toBe(201);
      const before = await logLength();
      const again = await post('correct-incident', correction);
      expect([again.status, again.body]).toEqual([200, first.body]);
      expect(await logLength()).toBe(before);
      await rejected(
        'correct-incident',
        { ...correction, changes: { summary: 'Another summary.' } },
        409,
      );
    });
  });

  describe('retract-incident', () => {
    it.each<[string, (incidentId: string) => Body, string[]]>([
      ['a missing reason', (id) => ({ incidentId: id }), ['reason']],
      ['a blank reason', (id) => ({ incidentId: id, reason: '  ' }), ['reason']],
      ['a malformed incidentId', () => ({ incidentId: 'nope', reason: 'r' }), ['incidentId']],
      ['an unknown field', (id) => ({ incidentId: id, reason: 'r', changes: {} }), ['changes']],
      [
        'expectedVersion "1"',
        (id) => ({ incidentId: id, reason: 'r', expectedVersion: '1' }),
        ['expectedVersion'],
      ],
      [
        'a reason of 1001 code points',
        (id) => ({ incidentId: id, reason: text(1001) }),
        ['reason'],
      ],
    ])('rejects %s with 400', async (_name, make, paths) => {
      const body = validBody('record-talks', agreementId);
      await accepted('record-talks', body);
      await rejected('retract-incident', make(body.incidentId), 400, paths);
    });

    it('answers 404 for an unknown incident and 409 for a retracted one', async () => {
      await rejected('retract-incident', { incidentId: randomUUID(), reason: 'r' }, 404);
      const body = validBody('record-talks', agreementId);
      await accepted('record-talks', body);
      await accepted('retract-incident', { incidentId: body.incidentId, reason: 'r' });
      await rejected('retract-incident', { incidentId: body.incidentId, reason: 'again' }, 409);
    });

    it('answers a stale expectedVersion on a retracted incident with currentVersion', async () => {
      const body = validBody('record-talks', agreementId);
      await accepted('record-talks', body);
      await accepted('retract-incident', { incidentId: body.incidentId, reason: 'r' });
      const stale = { incidentId: body.incidentId, expectedVersion: 1, reason: 'stale' };
      const retract = await rejected('retract-incident', stale, 409);
      expect(retract.body.currentVersion).toBe(2);
      const correct = await rejected(
        'correct-incident',
        { ...stale, changes: { summary: 'x' } },
        409,
      );
      expect(correct.body.currentVersion).toBe(2);
      // At the current version the answer is that the incident is retracted.
      const current = await rejected('retract-incident', { ...stale, expectedVersion: 2 }, 409);
      expect(current.body).not.toHaveProperty('currentVersion');
      expect(current.body.detail).toMatch(/retracted/);
    });

    it('answers 409 with currentVersion when expectedVersion does not match', async () => {
      const body = validBody('record-talks', agreementId);
      await accepted('record-talks', body);
      const answer = await rejected(
        'retract-incident',
        { incidentId: body.incidentId, expectedVersion: 0, reason: 'r' },
        409,
      );
      expect(answer.body.currentVersion).toBe(1);
    });

    it('replays the same eventId and body with 200 and the first answer', async () => {
      const body = validBody('record-talks', agreementId);
      await accepted('record-talks', body);
      const retraction = { incidentId: body.incidentId, eventId: randomUUID(), reason: 'wrong' };
      const first = await post('retract-incident', retraction);
      expect(first.status).toBe(201);
      const before = await logLength();
      const again = await post('retract-incident', retraction);
      expect([again.status, again.body]).toEqual([200, first.body]);
      expect(await logLength()).toBe(before);
    });
  });

  describe('times', () => {
    it('stores a source publishedAt in UTC and rejects an impossible one', async () => {
      const body = validBody('report-casualties', agreementId);
      body.sources = [{ name: 'Wire', publishedAt: '2025-05-24T10:00:00+03:00' }];
      const answer = await accepted('report-casualties', body);
      expect((await event(answer.events[0].eventId)).data.sources).toEqual([
        { name: 'Wire', publishedAt: '2025-05-24T07:00:00.000Z' },
      ]);
      for (const publishedAt of ['2025-02-30T10:00:00Z', '2025-05-24T24:00:00Z', '2025-05-24']) {
        const bad = validBody('report-casualties', agreementId);
        bad.sources = [{ name: 'Wire', publishedAt }];
        await rejected('report-casualties', bad, 400, ['sources[0].publishedAt']);
      }
    });

    it('reads an occurredUntil given as a date as the end of that day', async () => {
      const body = validBody('report-strike', agreementId);
      body.occurredAt = '2025-05-24T23:30:00+03:00';
      body.occurredUntil = '2025-05-24';
      const answer = await accepted('report-strike', body);
      expect(await event(answer.events[0].eventId)).toMatchObject({
        occurredAt: '2025-05-24T20:30:00.000Z',
        data: { occurredAt: '2025-05-24T20:30:00.000Z', occurredUntil: '2025-05-24' },
      });
      await rejected('report-strike', { ...body, occurredUntil: '2025-05-23' }, 400, [
        'occurredUntil',
      ]);
    });
  });

  describe('agreements', () => {
    it('answers 422 for an agreementId that names no incident', async () => {
      const body = {
        ...validBody('record-prisoner-exchange', agreementId),
        agreementId: randomUUID(),
      };
      const answer = await rejected('record-prisoner-exchange', body, 422, ['agreementId']);
      expect(answer.body.errors[0].message).toMatch(/does not exist/);
    });

    it('answers 422 for an agreementId that names another kind of incident', async () => {
      const talks = validBody('record-talks', agreementId);
      await accepted('record-talks', talks);
      const body = {
        ...validBody('record-prisoner-exchange', agreementId),
        agreementId: talks.incidentId,
      };
      await rejected('record-prisoner-exchange', body, 422, ['agreementId']);
    });

    it('answers 422 for a retracted agreement', async () => {
      const agreement = await accepted('record-prisoner-exchange-agreement', demoBody('agreement'));
      await accepted('retract-incident', { incidentId: agreement.incidentId, reason: 'r' });
      const body = {
        ...validBody('record-prisoner-exchange', agreementId),
        agreementId: agreement.incidentId,
      };
      const answer = await rejected('record-prisoner-exchange', body, 422, ['agreementId']);
      expect(answer.body.errors[0].message).toMatch(/retracted/);
    });

    it('accepts an agreementId written in upper case', async () => {
      const body = {
        ...validBody('record-prisoner-exchange', agreementId),
        agreementId: agreementId.toUpperCase(),
      };
      const answer = await accepted('record-prisoner-exchange', body);
      expect((await event(answer.events[0].eventId)).data.agreementId).toBe(agreementId);
    });
  });

  describe('idempotency of new incidents', () => {
    it('replays the same incidentId, eventId and body with 200 and the first answer', async () => {
      const body = validBody('report-strike', agreementId);
      const first = await post('report-strike', body);
      expect(first.status).toBe(201);
      const before = await logLength();
      const again = await post('report-strike', body);
      expect([again.status, again.body]).toEqual([200, first.body]);
      expect(await logLength()).toBe(before);
    });

    it('replays the same incidentId and body without an eventId', async () => {
      const { eventId: _eventId, ...body } = validBody('record-talks', agreementId);
      const first = await post('record-talks', body);
      expect(first.status).toBe(201);
      const again = await post('record-talks', body);
      expect([again.status, again.body]).toEqual([200, first.body]);
    });

    it('replays the same eventId and body without an incidentId', async () => {
      const { incidentId: _incidentId, ...body } = validBody('record-statement', agreementId);
      const first = await post('record-statement', body);
      expect(first.status).toBe(201);
      const before = await logLength();
      const again = await post('record-statement', body);
      expect([again.status, again.body]).toEqual([200, first.body]);
      expect(await logLength()).toBe(before);
    });

    it('still replays a recorded incident after it was corrected', async () => {
      const body = validBody('warn-sanctions', agreementId);
      const first = await post('warn-sanctions', body);
      await accepted('correct-incident', {
        incidentId: body.incidentId,
        changes: { condition: 'none' },
        reason: 'r',
      });
      const again = await post('warn-sanctions', body);
      expect([again.status, again.body]).toEqual([200, first.body]);
    });

    it('answers 409 for an incidentId taken by other content', async () => {
      const body = validBody('report-strike', agreementId);
      await accepted('report-strike', body);
      await rejected('report-strike', { ...body, summary: 'Something else.' }, 409);
      await rejected('report-strike', { ...body, eventId: randomUUID() }, 409);
      const talks = { ...validBody('record-talks', agreementId), incidentId: body.incidentId };
      await rejected('record-talks', talks, 409);
    });

    it('answers 409 for an eventId reused with another body', async () => {
      const body = validBody('report-casualties', agreementId);
      await accepted('report-casualties', body);
      const reuse: Body = { ...validBody('report-casualties', agreementId), eventId: body.eventId };
      await rejected('report-casualties', reuse, 409);
      const { incidentId: _incidentId, ...noIncident } = reuse;
      await rejected('report-casualties', noIncident, 409);
      await rejected(
        'retract-incident',
        { incidentId: body.incidentId, eventId: body.eventId, reason: 'r' },
        409,
      );
    });
  });

  describe('the stream', () => {
    it('lists record, correction and retraction in order', async () => {
      const body = validBody('impose-sanctions', agreementId);
      const recorded = await accepted('impose-sanctions', body);
      const corrected = await accepted('correct-incident', {
        incidentId: body.incidentId,
        changes: { package: '16th package' },
        reason: 'wrong number',
      });
      const retracted = await accepted('retract-incident', {
        incidentId: body.incidentId,
        expectedVersion: 2,
        reason: 'not imposed after all',
      });
      const answer = await t.request('GET', `/v1/streams/incident-${body.incidentId}`, {
        key: 'reader',
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ streamId: `incident-${body.incidentId}`, version: 3 });
      expect(
        answer.body.events.map((e: Body) => [e.eventId, e.type, e.streamVersion, e.position]),
      ).toEqual([
        [body.eventId, 'SanctionsImposed', 1, recorded.position],
        [corrected.events[0].eventId, 'IncidentCorrected', 2, corrected.position],
        [retracted.events[0].eventId, 'IncidentRetracted', 3, retracted.position],
      ]);
      expect(answer.body.events[1].data).toEqual({
        changes: { package: '16th package' },
        reason: 'wrong number',
      });
      expect(recorded.position).toBeLessThan(corrected.position);
      expect(corrected.position).toBeLessThan(retracted.position);
    });
  });

  describe('requests that never reach a command', () => {
    it('answers 404 for an unknown command', async () => {
      const answer = await rejected('do-something', validBody('record-talks', agreementId), 404);
      expect(answer.body.detail).toMatch(/do-something/);
    });

    it.each<[string, string]>([
      ['an array', '[]'],
      ['a string', '"x"'],
      ['a number', '10'],
      ['null', 'null'],
    ])('answers 400 at path "" for %s as the body', async (_name, raw) => {
      await rejected('report-strike', undefined, 400, [''], { raw });
    });

    it('answers 400 for malformed JSON', async () => {
      await rejected('report-strike', undefined, 400, undefined, { raw: '{"summary": "x",' });
    });

    it('answers 415 for a body that is not JSON', async () => {
      await rejected('report-strike', undefined, 415, undefined, {
        raw: 'summary=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    });

    it('answers 401 without a key and 403 for a reader', async () => {
      const body = validBody('record-talks', agreementId);
      await rejected('record-talks', body, 401, undefined, { key: null });
      await rejected('record-talks', body, 403, undefined, { key: 'reader' });
    });
  });
});
