import { parseOccurred, parseOccurredUntil } from '../../src/timeline/time';
import { DEMO_COMMANDS, DEMO_EVENT_IDS, DEMO_IDS, type DemoCommand } from '.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PARTY = /^(?:[A-Z]{2}|G7|G20|NATO)$/;
const NEW_INCIDENT = new Set(['correct-incident', 'retract-incident']);

interface Line {
  kind?: string;
  region?: string;
  launched?: number;
  intercepted?: number;
  killed?: number;
  injured?: number;
  atLeast?: boolean;
  by?: string;
  count?: number;
}

const incidents = DEMO_COMMANDS.filter((c) => !NEW_INCIDENT.has(c.command));

function byId(incidentId: string): DemoCommand {
  const found = DEMO_COMMANDS.find((c) => c.body.incidentId === incidentId);
  if (!found) throw new Error(`no command for incident ${incidentId}`);
  return found;
}

function lines(command: DemoCommand, field: string): Line[] {
  return (command.body[field] as Line[] | undefined) ?? [];
}

function sum(items: Line[], field: keyof Line): number {
  return items.reduce((total, item) => total + ((item[field] as number | undefined) ?? 0), 0);
}

function codePoints(s: unknown): number {
  return [...(s as string)].length;
}

describe('demo report', () => {
  it('uses unique valid v4 UUIDs for every incidentId and eventId', () => {
    const ids = DEMO_COMMANDS.flatMap((c) => [c.body.incidentId, c.body.eventId]);
    expect(ids.every((id) => typeof id === 'string' && UUID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.values(DEMO_IDS).sort()).toEqual(
      incidents.map((c) => c.body.incidentId as string).sort(),
    );
    for (const [name, incidentId] of Object.entries(DEMO_IDS)) {
      expect(byId(incidentId).body.eventId).toBe(DEMO_EVENT_IDS[name as keyof typeof DEMO_IDS]);
    }
  });

  it.each(incidents.map((c) => [c.command, c.body.incidentId, c] as const))(
    '%s %s has occurredAt, location, summary and sources within the limits',
    (_command, _id, { body }) => {
      const at = parseOccurred(body.occurredAt as string);
      expect(at).not.toHaveProperty('error');
      if (body.occurredUntil !== undefined) {
        const until = parseOccurredUntil(body.occurredUntil as string);
        if ('error' in at || 'error' in until) throw new Error('unparseable time');
        expect(until.instant.getTime()).toBeGreaterThanOrEqual(at.instant.getTime());
      }
      const location = body.location as { country: string; regions?: string[]; place?: string };
      expect(location.country).toMatch(/^[A-Z]{2}$/);
      for (const region of location.regions ?? []) {
        expect(region.startsWith(`${location.country}-`)).toBe(true);
      }
      for (const line of [
        ...lines({ command: 'report-strike', body }, 'weapons'),
        ...lines({ command: 'report-strike', body }, 'casualties'),
      ]) {
        if (line.region !== undefined)
          expect(line.region.startsWith(`${location.country}-`)).toBe(true);
      }
      expect(codePoints(location.place ?? 'x')).toBeLessThanOrEqual(200);
      expect(typeof body.summary).toBe('string');
      expect(codePoints(body.summary)).toBeGreaterThan(0);
      expect(codePoints(body.summary)).toBeLessThanOrEqual(2000);
      const sources = body.sources as { name: string; url?: string }[];
      expect(sources.length).toBeGreaterThanOrEqual(1);
      for (const source of sources) {
        expect(codePoints(source.name)).toBeGreaterThan(0);
        expect(source.url).toBeUndefined();
      }
      const tags = body.tags as string[];
      expect(tags.length).toBeGreaterThan(0);
      expect(tags.length).toBeLessThanOrEqual(20);
      for (const tag of tags) expect(codePoints(tag)).toBeLessThanOrEqual(50);
      for (const list of ['topics', 'parties'] as const) {
        expect(((body[list] as string[] | undefined) ?? []).length).toBeLessThanOrEqual(20);
      }
      for (const field of ['attacker', 'issuer', 'target', 'party']) {
        if (body[field] !== undefined) expect(body[field]).toMatch(PARTY);
      }
      for (const party of (body.parties as string[] | undefined) ?? [])
        expect(party).toMatch(PARTY);
      expect(codePoints(body.condition ?? '')).toBeLessThanOrEqual(500);
      expect(codePoints(body.outcome ?? '')).toBeLessThanOrEqual(2000);
      expect(codePoints(body.text ?? '')).toBeLessThanOrEqual(5000);
      // Every count is an integer 0..1,000,000, and no line intercepts more than it launched.
      const counts = JSON.stringify(body).matchAll(
        /"(count|launched|intercepted|killed|injured|totalPerSide)":([^,}\]]+)/g,
      );
      for (const [, , value] of counts) {
        expect(Number.isInteger(Number(value))).toBe(true);
        expect(Number(value)).toBeGreaterThanOrEqual(0);
        expect(Number(value)).toBeLessThanOrEqual(1_000_000);
      }
      for (const weapon of lines({ command: 'report-strike', body }, 'weapons')) {
        if (weapon.launched !== undefined && weapon.intercepted !== undefined) {
          expect(weapon.intercepted).toBeLessThanOrEqual(weapon.launched);
        }
      }
    },
  );

  it('states statements as marked paraphrases, not quotations', () => {
    const statements = DEMO_COMMANDS.filter((c) => c.command === 'record-statement');
    expect(statements).toHaveLength(2);
    for (const { body } of statements) {
      expect(body.text).toMatch(/^Summary\b/);
      expect(body.text).not.toMatch(/["“”«»]/);
    }
  });

  it('names the agreement in the exchange, and loads the agreement first', () => {
    const exchange = byId(DEMO_IDS.exchange);
    const agreement = byId(DEMO_IDS.agreement);
    expect(exchange.command).toBe('record-prisoner-exchange');
    expect(agreement.command).toBe('record-prisoner-exchange-agreement');
    expect(exchange.body.agreementId).toBe(DEMO_IDS.agreement);
    expect(DEMO_COMMANDS.indexOf(agreement)).toBeLessThan(DEMO_COMMANDS.indexOf(exchange));
    expect(agreement.body).toMatchObject({ parties: ['UA', 'RU'], totalPerSide: 1000 });
  });

  it('holds the figures the report states', () => {
    const released = lines(byId(DEMO_IDS.exchange), 'released');
    expect(
      sum(
        released.filter((l) => l.by === 'RU'),
        'count',
      ),
    ).toBe(307);
    expect(
      sum(
        released.filter((l) => l.by === 'UA'),
        'count',
      ),
    ).toBe(307);

    const strike = byId(DEMO_IDS.kyivStrike);
    expect(strike.body.attacker).toBe('RU');
    const weapons = lines(strike, 'weapons');
    expect(
      sum(
        weapons.filter((w) => w.kind === 'drone'),
        'intercepted',
      ),
    ).toBe(245);
    expect(
      sum(
        weapons.filter((w) => w.kind === 'ballistic_missile'),
        'intercepted',
      ),
    ).toBe(6);
    // The report gives no launched figures for this attack: unknown, not 0.
    expect(weapons.every((w) => w.launched === undefined)).toBe(true);
    const kyiv = lines(strike, 'casualties').filter((l) => l.region === 'UA-30');
    expect(sum(kyiv, 'injured')).toBe(15);
    expect(kyiv.some((l) => l.atLeast)).toBe(true);

    const kharkiv = lines(byId(DEMO_IDS.kharkivCasualties), 'casualties');
    expect(
      sum(
        kharkiv.filter((l) => l.region === 'UA-63'),
        'killed',
      ),
    ).toBe(4);

    const claim = byId(DEMO_IDS.russianClaim);
    expect(claim.body.attacker).toBe('UA');
    expect(claim.body.tags).toContain('russian-mod-claim');
    const claimed = lines(claim, 'weapons');
    expect(sum(claimed, 'launched')).toBe(100);
    expect(
      sum(
        claimed.filter((w) => w.region === 'RU-BEL'),
        'intercepted',
      ),
    ).toBe(64);
    expect(sum(claimed, 'intercepted')).toBe(64);

    expect(byId(DEMO_IDS.g7Warning).body).toMatchObject({ issuer: 'G7', target: 'RU' });
  });

  it('is frozen, so no test or loader can change it for the next', () => {
    expect(Object.isFrozen(DEMO_COMMANDS)).toBe(true);
    expect(Object.isFrozen(DEMO_COMMANDS[0]!.body)).toBe(true);
    expect(Object.isFrozen(DEMO_IDS)).toBe(true);
  });
});
