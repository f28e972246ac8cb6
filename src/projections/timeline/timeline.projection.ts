import type { Insertable } from 'kysely';
import type { Projection } from '../../event-store';
import { incidentFacts } from '../incident-facts';
import {
  closeCurrentRows,
  incidentVersions,
  insertRows,
  versionSpans,
  type IncidentVersion,
} from '../incident-versions';
import type { TimelineTable } from './timeline.table';

const COMMON_FIELDS = new Set([
  'occurredAt',
  'occurredUntil',
  'location',
  'summary',
  'sources',
  'tags',
]);

function toRow(v: IncidentVersion, validTo: Date | null): Insertable<TimelineTable> {
  const facts = incidentFacts(v.type, v.body);
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v.body))
    if (!COMMON_FIELDS.has(key)) details[key] = value;
  const place = v.body.location.place ?? null;
  return {
    incident_id: v.incidentId,
    version: v.version,
    valid_from: v.validFrom,
    valid_to: validTo,
    type: v.type,
    status: v.status,
    occurred_at: facts.occurredAt,
    occurred_until: facts.occurredUntil,
    occurred_end: facts.occurredEnd,
    precision: facts.precision,
    country: facts.country,
    location_regions: facts.locationRegions,
    place,
    summary: v.body.summary,
    sources: v.body.sources,
    tags: v.body.tags ?? [],
    details,
    regions: facts.regions,
    parties: facts.parties,
    search_text: [v.body.summary, place ?? '', ...v.body.sources.map((s) => s.name)].join(' '),
    recorded_at: v.recordedAt,
    updated_at: v.validFrom,
    position: v.position,
  };
}

/**
 * The timeline: one row per version of each incident (retracted ones included, with status
 * `retracted`), so live reads take the current rows and "as of" reads the rows valid then.
 */
export const timelineProjection: Projection = {
  name: 'timeline',
  version: 1,
  tables: { timeline: 'read_model.timeline' },
  async prepare(log, events, tables) {
    const versions = await incidentVersions(log, events);
    const { validTo, closes } = versionSpans(versions);
    const table = tables.timeline as 'read_model.timeline';
    const insert = insertRows(
      table,
      versions.map((v, i) => toRow(v, validTo[i] ?? null)),
      { json: ['sources', 'details'] },
    );
    return async (trx) => {
      await closeCurrentRows(trx, table, closes);
      await insert(trx);
    };
  },
};
