import { type IncidentBody, type IncidentEventType } from '../timeline';
import { kyivMidnight, kyivMonth, parseOccurred, parseOccurredUntil } from '../timeline/time';

/** What every read model derives from an incident's body, the same way. */
export interface IncidentFacts {
  occurredAt: Date;
  /** The end of the span as given (a date means the end of that day), or null. */
  occurredUntil: Date | null;
  /** The last instant of the span: occurredUntil, else the end of the day for a date, else occurredAt. */
  occurredEnd: Date;
  precision: 'day' | 'instant';
  /** `YYYY-MM` of occurredAt in Europe/Kyiv. */
  month: string;
  country: string;
  locationRegions: string[];
  /** location.regions and the regions of weapon and casualty lines. */
  regions: string[];
  /** Every party the incident names (not location.country). */
  parties: string[];
}

function instantOf(value: string, until: boolean): { instant: Date; precision: 'day' | 'instant' } {
  const parsed = until ? parseOccurredUntil(value) : parseOccurred(value);
  if ('error' in parsed)
    throw new Error(`stored occurred value "${value}" does not parse: ${parsed.error}`);
  return parsed;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Derives the facts of an incident from its type and (corrected) body. Pure. */
export function incidentFacts(type: IncidentEventType, body: IncidentBody): IncidentFacts {
  const start = instantOf(body.occurredAt, false);
  const until =
    body.occurredUntil !== undefined ? instantOf(body.occurredUntil, true).instant : null;
  const occurredEnd =
    until ??
    (start.precision === 'day'
      ? new Date(kyivMidnight(addDays(body.occurredAt, 1)).getTime() - 1)
      : start.instant);
  const locationRegions = body.location.regions ?? [];
  const regions = new Set(locationRegions);
  const parties = new Set<string>();
  const add = (party: string | undefined) => {
    if (party) parties.add(party);
  };
  switch (type) {
    case 'PrisonerExchangeAgreed':
    case 'TalksHeld':
      for (const p of (body as { parties: string[] }).parties) add(p);
      break;
    case 'PrisonersExchanged': {
      const b = body as { released: { by: string }[]; mediator?: string };
      for (const line of b.released) add(line.by);
      add(b.mediator);
      break;
    }
    case 'StrikeReported': {
      const b = body as {
        attacker: string;
        weapons: { region?: string }[];
        casualties?: { region?: string }[];
      };
      add(b.attacker);
      for (const line of [...b.weapons, ...(b.casualties ?? [])])
        if (line.region) regions.add(line.region);
      break;
    }
    case 'CasualtiesReported':
      for (const line of (body as { casualties: { region?: string }[] }).casualties) {
        if (line.region) regions.add(line.region);
      }
      break;
    case 'SanctionsWarned':
    case 'SanctionsImposed': {
      const b = body as { issuer: string; target: string };
      add(b.issuer);
      add(b.target);
      break;
    }
    case 'StatementIssued':
      add((body as { party?: string }).party);
      break;
  }
  return {
    occurredAt: start.instant,
    occurredUntil: until,
    occurredEnd,
    precision: start.precision,
    month: kyivMonth(start.instant),
    country: body.location.country,
    locationRegions,
    regions: [...regions].sort(),
    parties: [...parties].sort(),
  };
}

/** The region a weapon or casualty line counts under: its own, else the incident's only one. */
export function lineRegion(line: { region?: string }, body: IncidentBody): string | null {
  if (line.region) return line.region;
  const regions = body.location.regions ?? [];
  return regions.length === 1 ? regions[0]! : null;
}
