/**
 * A reference model of the read side, written from `shared/API.md` alone: given the commands a
 * history sent (in order, every one accepted), what the timeline and every tally must answer.
 * It shares no code with `src/projections` on purpose: the two are compared.
 */

type Json = Record<string, any>;

/** A command as sent: its name and its body (codes only, no names to resolve). */
export interface SentCommand {
  name: string;
  body: Json;
}

/** What the reference knows of one incident after the history. */
export interface RefIncident {
  incidentId: string;
  type: string;
  body: Json;
  version: number;
  status: 'reported' | 'corrected' | 'retracted';
}

const EVENT_TYPE: Record<string, string> = {
  'record-prisoner-exchange-agreement': 'PrisonerExchangeAgreed',
  'record-prisoner-exchange': 'PrisonersExchanged',
  'report-strike': 'StrikeReported',
  'report-casualties': 'CasualtiesReported',
  'warn-sanctions': 'SanctionsWarned',
  'impose-sanctions': 'SanctionsImposed',
  'record-talks': 'TalksHeld',
  'record-statement': 'StatementIssued',
};

const COMMON = new Set(['occurredAt', 'occurredUntil', 'location', 'summary', 'sources', 'tags']);

/** RFC 7386: objects merge, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Json =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Json) }
      : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Folds a history of commands into incidents. */
export function replay(commands: readonly SentCommand[]): Map<string, RefIncident> {
  const incidents = new Map<string, RefIncident>();
  for (const { name, body } of commands) {
    const id = String(body.incidentId);
    if (name === 'correct-incident' || name === 'retract-incident') {
      const incident = incidents.get(id);
      if (!incident) throw new Error(`${name} of unknown incident ${id}`);
      incident.version++;
      if (name === 'retract-incident') incident.status = 'retracted';
      else {
        incident.body = mergePatch(incident.body, body.changes) as Json;
        incident.status = 'corrected';
      }
      continue;
    }
    const { incidentId: _i, eventId: _e, ...rest } = body;
    incidents.set(id, {
      incidentId: id,
      type: EVENT_TYPE[name]!,
      body: structuredClone(rest),
      version: 1,
      status: 'reported',
    });
  }
  return incidents;
}

// ---- time, in Europe/Kyiv: the histories stay between April and October 2025 (UTC+3) ----

const KYIV_OFFSET_MS = 3 * 3600_000;
const DAY_MS = 24 * 3600_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function assertSummer(ms: number): void {
  const d = new Date(ms);
  if (d < new Date('2025-03-30T01:00:00Z') || d >= new Date('2025-10-26T01:00:00Z'))
    throw new Error(`the reference model knows Kyiv summer time only: ${d.toISOString()}`);
}

/** The instant an occurredAt names (a date: 00:00 Kyiv that day). */
export function occurredMs(value: string): number {
  const ms = DATE.test(value) ? Date.parse(`${value}T00:00:00+03:00`) : Date.parse(value);
  assertSummer(ms);
  return ms;
}

/** The instant an occurredUntil names (a date: the last millisecond of that Kyiv day). */
export function occurredUntilMs(value: string): number {
  return DATE.test(value) ? occurredMs(value) + DAY_MS - 1 : occurredMs(value);
}

/** `YYYY-MM` in Kyiv. */
export function kyivMonthOf(ms: number): string {
  return new Date(ms + KYIV_OFFSET_MS).toISOString().slice(0, 7);
}

// ---- the timeline ----

/** The fields of a timeline item the reference can know (all but recordedAt and updatedAt). */
export function refTimeline(
  incidents: ReadonlyMap<string, RefIncident>,
  options: { includeRetracted: boolean },
): Json[] {
  const items = [...incidents.values()]
    .filter((i) => options.includeRetracted || i.status !== 'retracted')
    .map((i) => {
      const b = i.body;
      const details: Json = {};
      for (const [key, value] of Object.entries(b)) if (!COMMON.has(key)) details[key] = value;
      return {
        incidentId: i.incidentId,
        type: i.type,
        occurredAt: new Date(occurredMs(b.occurredAt)).toISOString(),
        occurredUntil:
          b.occurredUntil === undefined
            ? null
            : new Date(occurredUntilMs(b.occurredUntil)).toISOString(),
        precision: DATE.test(b.occurredAt) ? 'day' : 'instant',
        location: {
          country: b.location.country,
          regions: b.location.regions ?? [],
          place: b.location.place ?? null,
        },
        summary: b.summary,
        sources: b.sources,
        tags: b.tags ?? [],
        details,
        status: i.status,
        version: i.version,
      };
    });
  return items.sort(
    (a, b) =>
      Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
      (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : 0),
  );
}

// ---- tallies ----

function live(incidents: ReadonlyMap<string, RefIncident>, type?: string): RefIncident[] {
  return [...incidents.values()].filter(
    (i) => i.status !== 'retracted' && (type === undefined || i.type === type),
  );
}

/** A line's region: its own, else the incident's only region, else null. */
function lineRegion(line: Json, body: Json): string | null {
  if (line.region !== undefined) return line.region;
  const regions: string[] = body.location.regions ?? [];
  return regions.length === 1 ? regions[0]! : null;
}

/** Adds the lines that give a figure; null when none does (unknown, never 0). */
function sumGiven(values: readonly (number | undefined)[]): number | null {
  const given = values.filter((v): v is number => v !== undefined);
  return given.length === 0 ? null : given.reduce((a, b) => a + b, 0);
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // nulls last
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Groups items by the given keys, rows sorted by those keys ascending, nulls last. */
function groupRows<T>(
  items: readonly T[],
  keys: readonly string[],
  keyOf: (item: T, key: string) => string | null,
  figures: (group: readonly T[]) => Json,
): Json[] {
  const groups = new Map<string, { key: Json; items: T[] }>();
  for (const item of items) {
    const key: Json = {};
    for (const k of keys) key[k] = keyOf(item, k);
    const id = JSON.stringify(keys.map((k) => key[k]));
    const group = groups.get(id) ?? { key, items: [] };
    group.items.push(item);
    groups.set(id, group);
  }
  return [...groups.values()]
    .sort((a, b) => {
      for (const k of keys) {
        const c = compareKeys(a.key[k], b.key[k]);
        if (c !== 0) return c;
      }
      return 0;
    })
    .map((g) => ({ ...g.key, ...figures(g.items) }));
}

interface WeaponFact {
  incidentId: string;
  attacker: string;
  weaponKind: string;
  region: string | null;
  month: string;
  launched?: number;
  intercepted?: number;
}

function strikeFigures(lines: readonly WeaponFact[]): Json {
  const both = lines.filter((l) => l.launched !== undefined && l.intercepted !== undefined);
  const bothLaunched = sumGiven(both.map((l) => l.launched));
  const bothIntercepted = sumGiven(both.map((l) => l.intercepted));
  return {
    strikes: new Set(lines.map((l) => l.incidentId)).size,
    launched: sumGiven(lines.map((l) => l.launched)),
    intercepted: sumGiven(lines.map((l) => l.intercepted)),
    interceptionRate:
      bothLaunched === null || bothLaunched === 0 ? null : bothIntercepted! / bothLaunched,
  };
}

/** The strikes tally: weapon lines of live strikes grouped by the keys; plus totals. */
export function refStrikes(
  incidents: ReadonlyMap<string, RefIncident>,
  groupBy: readonly string[],
): { rows: Json[]; totals: Json } {
  const lines: WeaponFact[] = live(incidents, 'StrikeReported').flatMap((i) =>
    (i.body.weapons as Json[]).map((w) => ({
      incidentId: i.incidentId,
      attacker: i.body.attacker,
      weaponKind: w.kind,
      region: lineRegion(w, i.body),
      month: kyivMonthOf(occurredMs(i.body.occurredAt)),
      ...(w.launched !== undefined ? { launched: w.launched } : {}),
      ...(w.intercepted !== undefined ? { intercepted: w.intercepted } : {}),
    })),
  );
  return {
    rows: groupRows(lines, groupBy, (l, k) => (l as any)[k] as string | null, strikeFigures),
    totals: strikeFigures(lines),
  };
}

interface CasualtyFact {
  country: string;
  region: string | null;
  month: string;
  killed?: number;
  injured?: number;
  atLeast: boolean;
}

function casualtyFigures(lines: readonly CasualtyFact[]): Json {
  return {
    killed: sumGiven(lines.map((l) => l.killed)),
    injured: sumGiven(lines.map((l) => l.injured)),
    atLeast: lines.some((l) => l.atLeast),
  };
}

/** The casualties tally: casualty lines of live strikes and casualty reports; plus totals. */
export function refCasualties(
  incidents: ReadonlyMap<string, RefIncident>,
  groupBy: readonly string[],
): { rows: Json[]; totals: Json } {
  const lines: CasualtyFact[] = live(incidents)
    .filter((i) => i.type === 'StrikeReported' || i.type === 'CasualtiesReported')
    .flatMap((i) =>
      ((i.body.casualties as Json[] | undefined) ?? []).map((c) => ({
        country: i.body.location.country,
        region: lineRegion(c, i.body),
        month: kyivMonthOf(occurredMs(i.body.occurredAt)),
        ...(c.killed !== undefined ? { killed: c.killed } : {}),
        ...(c.injured !== undefined ? { injured: c.injured } : {}),
        atLeast: c.atLeast === true,
      })),
    );
  return {
    rows: groupRows(lines, groupBy, (l, k) => (l as any)[k] as string | null, casualtyFigures),
    totals: casualtyFigures(lines),
  };
}

/** The prisoners tally: releases of live exchanges, and every live agreement's progress. */
export function refPrisoners(incidents: ReadonlyMap<string, RefIncident>): Json {
  const exchanges = live(incidents, 'PrisonersExchanged');
  const releasedBy: Record<string, number> = {};
  for (const e of exchanges)
    for (const line of e.body.released as Json[])
      releasedBy[line.by] = (releasedBy[line.by] ?? 0) + (line.count as number);
  const agreements = live(incidents, 'PrisonerExchangeAgreed')
    .sort(
      (a, b) =>
        occurredMs(a.body.occurredAt) - occurredMs(b.body.occurredAt) ||
        (a.incidentId < b.incidentId ? -1 : 1),
    )
    .map((a) => {
      const by: Record<string, number> = {};
      for (const e of exchanges) {
        if (e.body.agreementId !== a.incidentId) continue;
        for (const line of e.body.released as Json[])
          by[line.by] = (by[line.by] ?? 0) + (line.count as number);
      }
      const parties = a.body.parties as string[];
      const total = a.body.totalPerSide as number;
      return {
        agreementId: a.incidentId,
        parties,
        totalPerSide: total,
        releasedBy: by,
        progress: Math.min(...parties.map((p) => by[p] ?? 0)) / total,
      };
    });
  return { totals: { exchanges: exchanges.length, releasedBy }, agreements };
}

/** The sanctions tally: live warnings and impositions by issuer and target. */
export function refSanctions(incidents: ReadonlyMap<string, RefIncident>): {
  rows: Json[];
  totals: Json;
} {
  const sanctions = live(incidents).filter(
    (i) => i.type === 'SanctionsWarned' || i.type === 'SanctionsImposed',
  );
  const rows = groupRows(
    sanctions,
    ['issuer', 'target'],
    (i, k) => i.body[k] as string,
    (group) => ({
      warnings: group.filter((i) => i.type === 'SanctionsWarned').length,
      impositions: group.filter((i) => i.type === 'SanctionsImposed').length,
    }),
  );
  return {
    rows,
    totals: {
      warnings: rows.reduce((n, r) => n + (r.warnings as number), 0),
      impositions: rows.reduce((n, r) => n + (r.impositions as number), 0),
    },
  };
}

/** The incidents tally: live incidents by type (and month). */
export function refIncidentCounts(
  incidents: ReadonlyMap<string, RefIncident>,
  groupBy: readonly string[],
): { rows: Json[]; totals: Json } {
  const keys = groupBy.includes('month') ? ['type', 'month'] : ['type'];
  const rows = groupRows(
    live(incidents),
    keys,
    (i, k) => (k === 'type' ? i.type : kyivMonthOf(occurredMs(i.body.occurredAt))),
    (group) => ({ count: group.length }),
  );
  return { rows, totals: { count: rows.reduce((n, r) => n + (r.count as number), 0) } };
}

// ---- filters ----

/** The filters every read takes (dates as `YYYY-MM-DD`, inclusive Kyiv days). */
export interface RefFilter {
  from?: string;
  to?: string;
  country?: string;
  region?: string;
  party?: string;
}

/** Every party an incident names (not location.country). */
function partiesOf(i: RefIncident): string[] {
  const b = i.body;
  switch (i.type) {
    case 'PrisonerExchangeAgreed':
    case 'TalksHeld':
      return b.parties;
    case 'PrisonersExchanged':
      return [
        ...(b.released as Json[]).map((l) => l.by as string),
        ...(b.mediator ? [b.mediator] : []),
      ];
    case 'StrikeReported':
      return [b.attacker];
    case 'SanctionsWarned':
    case 'SanctionsImposed':
      return [b.issuer, b.target];
    case 'StatementIssued':
      return b.party ? [b.party] : [];
    default:
      return [];
  }
}

/** location.regions and the regions of weapon and casualty lines. */
function regionsOf(i: RefIncident): string[] {
  const b = i.body;
  const lines: Json[] = [...((b.weapons as Json[]) ?? []), ...((b.casualties as Json[]) ?? [])];
  return [...(b.location.regions ?? []), ...lines.flatMap((l) => (l.region ? [l.region] : []))];
}

/** Whether an incident matches a filter: its span overlaps the days, it names the party… */
export function matches(i: RefIncident, f: RefFilter): boolean {
  const b = i.body;
  const start = occurredMs(b.occurredAt);
  const end =
    b.occurredUntil !== undefined
      ? occurredUntilMs(b.occurredUntil)
      : DATE.test(b.occurredAt)
        ? start + DAY_MS - 1
        : start;
  if (f.from !== undefined && end < occurredMs(f.from)) return false;
  if (f.to !== undefined && start >= occurredMs(f.to) + DAY_MS) return false;
  if (f.country !== undefined && b.location.country !== f.country) return false;
  if (f.region !== undefined && !regionsOf(i).includes(f.region)) return false;
  if (f.party !== undefined && !partiesOf(i).includes(f.party)) return false;
  return true;
}

/** The incidents that match a filter. */
export function filtered(
  incidents: ReadonlyMap<string, RefIncident>,
  f: RefFilter,
): Map<string, RefIncident> {
  return new Map([...incidents].filter(([, i]) => matches(i, f)));
}
