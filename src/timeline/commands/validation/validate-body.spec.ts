import fc from 'fast-check';
import { DEMO_COMMANDS } from '../../../../db/seeds';
import { COMMAND_NAMES, type CommandName } from '../command-names';
import { COMMAND_DTOS, validateCommand, validateCommandReflective } from '../validate-command';
import { isBodyCheckCompiled, validateBody, validateBodyReflective } from './validate-body';

// Differential test: the compiled checks must give exactly what class-transformer +
// class-validator give (the reference path), for valid bodies and for every kind of damage.

/** Runs per property: small, the machine has two cores. PROPERTY_RUNS overrides. */
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SOURCES: Json[] = [
  {
    name: '  Ukrainian Air Force ',
    url: 'https://t.me/kpszsu/1',
    publishedAt: '2025-05-24T09:00:00+03:00',
  },
  { name: 'Reuters' },
];
const LOCATION: Json = {
  country: 'UA',
  regions: ['Kyiv', 'UA-32', 'kiev'],
  place: 'Kyiv',
  lat: 50.45,
  lon: 30.52,
};
const COMMON: Record<string, Json> = {
  incidentId: '0B6D1F0E-6E4B-4C47-9D7A-2F0F4A1B2C3D',
  eventId: '5a1d6f0e-6e4b-4c47-9d7a-2f0f4a1b2c3d',
  occurredAt: '2025-05-24',
  occurredUntil: '2025-05-25T03:00:00+03:00',
  location: LOCATION,
  summary: 'A combined strike on Kyiv.',
  sources: SOURCES,
  tags: ['massive', 'night'],
};

/** A valid body of each command with every optional field given. */
const FULL_BODIES: Record<CommandName, Record<string, Json>> = {
  'record-prisoner-exchange-agreement': {
    ...COMMON,
    parties: ['UA', 'RU'],
    totalPerSide: 1000,
    venue: 'Istanbul',
  },
  'record-prisoner-exchange': {
    ...COMMON,
    released: [
      { by: 'UA', count: 390, categories: ['soldiers', 'civilians'] },
      { by: 'RU', count: 0 },
    ],
    agreementId: 'A1D6F0E0-6E4B-4C47-9D7A-2F0F4A1B2C3D',
    mediator: 'AE',
  },
  'report-strike': {
    ...COMMON,
    attacker: 'RU',
    weapons: [
      { kind: 'drone', model: 'Shahed-136', launched: 250, intercepted: 245, region: 'UA-30' },
      { kind: 'ballistic_missile', launched: 14, intercepted: 6 },
    ],
    targetsHit: ['residential buildings'],
    casualties: [{ region: 'Kyiv', killed: 0, injured: 15, atLeast: true }],
  },
  'report-casualties': {
    ...COMMON,
    casualties: [{ region: 'UA-30', killed: 2 }, { injured: 3 }],
    cause: 'debris',
  },
  'warn-sanctions': {
    ...COMMON,
    issuer: 'US',
    target: 'RU',
    condition: 'if no ceasefire',
    sectors: ['banking'],
  },
  'impose-sanctions': {
    ...COMMON,
    issuer: 'EU',
    target: 'RU',
    package: '17th',
    sectors: ['shipping', 'energy'],
  },
  'record-talks': {
    ...COMMON,
    parties: ['UA', 'RU', 'TR'],
    venue: 'Istanbul',
    outcome: 'An exchange was agreed.',
  },
  'record-statement': {
    ...COMMON,
    speaker: 'A spokesman',
    role: 'spokesman',
    party: 'UA',
    text: 'We will answer.',
    topics: ['ceasefire'],
  },
  'correct-incident': {
    incidentId: '0b6d1f0e-6e4b-4c47-9d7a-2f0f4a1b2c3d',
    eventId: '5a1d6f0e-6e4b-4c47-9d7a-2f0f4a1b2c3d',
    expectedVersion: 1,
    changes: { weapons: [{ kind: 'drone', intercepted: 250 }], summary: ' x ', location: null },
    reason: 'Revised figures.',
  },
  'retract-incident': {
    incidentId: '0b6d1f0e-6e4b-4c47-9d7a-2f0f4a1b2c3d',
    eventId: '5a1d6f0e-6e4b-4c47-9d7a-2f0f4a1b2c3d',
    expectedVersion: 0,
    reason: 'Not confirmed.',
  },
};

const BASES: { name: CommandName; body: Json }[] = [
  ...COMMAND_NAMES.map((name) => ({ name, body: FULL_BODIES[name] })),
  ...DEMO_COMMANDS.map((demo) => ({ name: demo.command, body: demo.body as Json })),
];

/** Field values seen in valid bodies, by field name: swapping them in keeps many bodies valid. */
const SEEN = new Map<string, Json[]>();
function collect(value: Json): void {
  if (Array.isArray(value)) value.forEach(collect);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      SEEN.set(key, [...(SEEN.get(key) ?? []), item]);
      collect(item);
    }
  }
}
BASES.forEach((base) => collect(base.body));

/** Values of every kind, many of them almost right. */
const garbage: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constantFrom<Json | undefined>(
    null,
    undefined,
    true,
    false,
    0,
    -0,
    -1,
    1.5,
    1_000_001,
    1e300,
    '',
    '   ',
    '10',
    'UA',
    'EU',
    'XX',
    'ua',
    'Kyiv',
    'UA-30',
    'RU-BEL',
    'Belgorod region',
    'drone',
    'true',
    '2025-05-24',
    '2025-02-30',
    '2025-05-24T03:00:00+03:00',
    '2025-05-24T03:00:00',
    'https://example.org/a',
    'ftp://example.org',
    '0b6d1f0e-6e4b-4c47-9d7a-2f0f4a1b2c3d',
    'a\u0000b',
    'tab\there',
    'bell\u0007',
    '\ud800',
    'x'.repeat(201),
    'x'.repeat(2001),
    [],
    [null],
    [[]],
    [{}],
    ['UA', 'UA'],
    ['UA', 'RU'],
    [{ kind: 'drone' }],
    [{ by: 'UA', count: 1 }],
    [{ name: 'x' }],
    {},
    { country: 'UA' },
    { country: 'EU' },
    { kind: 'drone', extra: 1 },
    { constructor: 1 },
  ),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 2_000_000 }),
  fc.double(),
);

const EXTRA_KEYS = [
  'extra',
  'constructor',
  'toString',
  'hasOwnProperty',
  '__proto__',
  '0',
  'Summary',
  'id',
  'valueOf',
];

type Mutation =
  | { kind: 'set'; at: number; value: Json | undefined }
  | { kind: 'swap'; at: number; pick: number }
  | { kind: 'delete'; at: number }
  | { kind: 'extra'; at: number; key: string; value: Json | undefined }
  | { kind: 'wrap'; at: number }
  | { kind: 'unwrap'; at: number }
  | { kind: 'repeat'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: garbage }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), pick: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extra' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 5 })),
    value: garbage,
  }),
  fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('unwrap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
);

type Container = Json[] | { [key: string]: Json };
interface Slot {
  parent: Container;
  key: string | number;
}

/** Every place in a body that holds a value. */
function slotsOf(value: Json, into: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      into.push({ parent: value, key: i });
      slotsOf(item, into);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      into.push({ parent: value, key });
      slotsOf(item, into);
    }
  }
  return into;
}

function containersOf(value: Json): Container[] {
  const result: Container[] = [];
  const walk = (v: Json): void => {
    if (v !== null && typeof v === 'object') {
      result.push(v);
      (Array.isArray(v) ? v : Object.values(v)).forEach(walk);
    }
  };
  walk(value);
  return result;
}

function apply(body: Json, m: Mutation): void {
  if (m.kind === 'extra') {
    const containers = containersOf(body);
    const target = containers[m.at % containers.length]!;
    if (Array.isArray(target)) target.push(m.value as Json);
    // As JSON.parse makes it: an own property even for "__proto__".
    else
      Object.defineProperty(target, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return;
  }
  const slots = slotsOf(body);
  if (slots.length === 0) return;
  const { parent, key } = slots[m.at % slots.length]!;
  const current = (parent as Record<string | number, Json>)[key]!;
  const set = (value: Json | undefined): void => {
    (parent as Record<string | number, Json | undefined>)[key] = value;
  };
  switch (m.kind) {
    case 'set':
      return set(m.value);
    case 'swap': {
      const seen = typeof key === 'string' ? SEEN.get(key) : undefined;
      if (seen) set(structuredClone(seen[m.pick % seen.length]!));
      return;
    }
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return;
    case 'wrap':
      return set([current]);
    case 'unwrap':
      if (Array.isArray(current)) set(current[0]);
      else if (current !== null && typeof current === 'object') set(Object.values(current)[0]);
      return;
    case 'repeat':
      if (Array.isArray(current)) set([...current, ...current, ...current]);
      return;
  }
}

/** Runs a validation, turning a throw into a comparable value. */
function outcomeOf(run: () => unknown): string {
  try {
    return JSON.stringify(run());
  } catch (error) {
    return `threw ${String(error)}`;
  }
}

function expectSame(name: CommandName, body: unknown): void {
  const dto = COMMAND_DTOS[name];
  const reference = outcomeOf(() => {
    const result = validateBodyReflective(dto, structuredClone(body));
    return result.ok ? { ok: true, value: result.value } : result;
  });
  expect(outcomeOf(() => validateBody(dto, structuredClone(body)))).toBe(reference);
  expect(outcomeOf(() => validateCommand(name, structuredClone(body)))).toBe(
    outcomeOf(() => validateCommandReflective(name, structuredClone(body))),
  );
}

const base = fc.constantFrom(...BASES);

describe('compiled body validation', () => {
  it('compiles every command class (none falls back to the reflective path)', () => {
    for (const name of COMMAND_NAMES) expect(isBodyCheckCompiled(COMMAND_DTOS[name])).toBe(true);
  });

  it('accepts the valid bodies as the reference path does', () => {
    for (const { name, body } of BASES) {
      expect(validateCommandReflective(name, body).ok).toBe(true);
      expectSame(name, body);
    }
  });

  it('agrees with the reference path on damaged bodies', () => {
    fc.assert(
      fc.property(
        base,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        ({ name, body }, ms) => {
          const damaged = structuredClone(body);
          for (const m of ms) apply(damaged, m);
          expectSame(name, damaged);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('agrees with the reference path on bodies of valid values in other places', () => {
    fc.assert(
      fc.property(
        base,
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        ({ name, body }, picks) => {
          const changed = structuredClone(body);
          for (const pick of picks) apply(changed, { kind: 'swap', at: pick, pick: pick >> 3 });
          expectSame(name, changed);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('agrees with the reference path on any JSON', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMAND_NAMES),
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.dictionary(fc.constantFrom(...SEEN.keys(), ...EXTRA_KEYS), garbage, {
            maxKeys: 12,
          }),
        ),
        (name, body) => expectSame(name, body),
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('agrees on what is not a JSON object', () => {
    for (const name of COMMAND_NAMES) {
      for (const body of [null, undefined, 1, 'x', [], [{}], true]) expectSame(name, body);
    }
  });
});
