import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../database';
import type { BatchWrites, Projection, StoredEvent } from '../../event-store';
import type {
  CasualtyLine,
  PrisonerExchangeAgreedData,
  PrisonersExchangedData,
  SanctionsImposedData,
  StrikeReportedData,
  WeaponLine,
} from '../../timeline';
import { incidentFacts, lineRegion } from '../incident-facts';
import { closeCurrentRows, incidentVersions, insertRows, versionSpans } from '../incident-versions';
import type {
  TallyCasualtyTable,
  TallyIncidentTable,
  TallyReleasedTable,
  TallyWeaponTable,
} from './tallies.table';
import type { VersionLines } from './tally-deltas';
import { closedLines, completeSums, updateSums } from './tally-sums';

/** Options of the tallies projection. */
export interface TalliesOptions {
  /** A snapshot of the sums every this many incident versions, for "as of" reads. */
  snapshotEvery: number;
}

/**
 * The tallies: per incident version, the incident's filter columns and its figure lines. A
 * correction closes the version it replaces and adds the new one; a retraction only closes, so
 * it counts no more. Filtered reads sum the current (or, "as of", the then valid) rows; the
 * sums (tally-sums.ts) follow every batch, subtracting what a closed version contributed and
 * adding what the new one contributes, so unfiltered reads need not aggregate.
 */
export function createTalliesProjection(options: TalliesOptions): Projection {
  return {
    name: 'tallies',
    version: 2,
    tables: {
      incidents: 'read_model.tally_incidents',
      released: 'read_model.tally_released',
      weapons: 'read_model.tally_weapons',
      casualties: 'read_model.tally_casualties',
      strikeSums: 'read_model.tally_strike_sums',
      casualtySums: 'read_model.tally_casualty_sums',
      counts: 'read_model.tally_counts',
      snapshots: 'read_model.tally_snapshots',
    },
    prepare: (log, events, tables, context) =>
      prepareTallies(log, events, tables, { ...options, deferred: context.rebuilding }),
    completeRebuild: completeSums,
  };
}

export const talliesProjection = createTalliesProjection({ snapshotEvery: 20_000 });

async function prepareTallies(
  log: Kysely<Database>,
  events: readonly StoredEvent[],
  tables: Readonly<Record<string, string>>,
  options: TalliesOptions & { deferred: boolean },
): Promise<BatchWrites> {
  const versions = await incidentVersions(log, events);
  if (versions.length === 0) return async () => undefined;
  const { validTo, closes } = versionSpans(versions);
  const inserted: VersionLines[] = [];

  const incidents: Insertable<TallyIncidentTable>[] = [];
  const released: TallyReleasedTable[] = [];
  const weapons: TallyWeaponTable[] = [];
  const casualties: TallyCasualtyTable[] = [];
  versions.forEach((v, i) => {
    if (v.status === 'retracted') return;
    const facts = incidentFacts(v.type, v.body);
    // The key written out in every row, not spread: objects built with `...key` took several
    // times as long to make and to turn into JSON.
    const incident_id = v.incidentId;
    const version = v.version;
    const agreement =
      v.type === 'PrisonerExchangeAgreed' ? (v.body as PrisonerExchangeAgreedData) : undefined;
    const sanction =
      v.type === 'SanctionsWarned' || v.type === 'SanctionsImposed'
        ? (v.body as SanctionsImposedData)
        : undefined;
    const incident = {
      incident_id,
      version,
      valid_from: v.validFrom,
      valid_to: validTo[i] ?? null,
      type: v.type,
      occurred_at: facts.occurredAt,
      occurred_end: facts.occurredEnd,
      month: facts.month,
      country: facts.country,
      regions: facts.regions,
      parties: facts.parties,
      agreement_id:
        v.type === 'PrisonersExchanged'
          ? ((v.body as PrisonersExchangedData).agreementId ?? null)
          : null,
      agreement_parties: agreement ? agreement.parties : null,
      total_per_side: agreement ? agreement.totalPerSide : null,
      issuer: sanction ? sanction.issuer : null,
      target: sanction ? sanction.target : null,
    };
    incidents.push(incident);
    const lines = {
      released: released.length,
      weapons: weapons.length,
      casualties: casualties.length,
    };
    if (v.type === 'PrisonersExchanged') {
      (v.body as PrisonersExchangedData).released.forEach((line, n) =>
        released.push({ incident_id, version, line: n, party: line.by, count: line.count }),
      );
    }
    const casualtyLines: CasualtyLine[] = [];
    if (v.type === 'StrikeReported') {
      const strike = v.body as StrikeReportedData;
      strike.weapons.forEach((line: WeaponLine, n) =>
        weapons.push({
          incident_id,
          version,
          line: n,
          attacker: strike.attacker,
          weapon_kind: line.kind,
          region: lineRegion(line, v.body),
          launched: line.launched ?? null,
          intercepted: line.intercepted ?? null,
        }),
      );
      casualtyLines.push(...(strike.casualties ?? []));
    }
    if (v.type === 'CasualtiesReported')
      casualtyLines.push(...(v.body as { casualties: CasualtyLine[] }).casualties);
    casualtyLines.forEach((line, n) =>
      casualties.push({
        incident_id,
        version,
        line: n,
        region: lineRegion(line, v.body),
        killed: line.killed ?? null,
        injured: line.injured ?? null,
        at_least: line.atLeast ?? false,
      }),
    );
    inserted.push({
      incident,
      released: released.slice(lines.released),
      weapons: weapons.slice(lines.weapons),
      casualties: casualties.slice(lines.casualties),
    });
  });
  // Same row types as the live tables; a rebuild writes to copies under another schema.
  const inserts = [
    insertRows(tables.incidents as 'read_model.tally_incidents', incidents),
    insertRows(tables.released as 'read_model.tally_released', released),
    insertRows(tables.weapons as 'read_model.tally_weapons', weapons),
    insertRows(tables.casualties as 'read_model.tally_casualties', casualties),
  ];
  const validFrom = versions.map((v) => v.validFrom);
  return async (trx) => {
    const closed = await closeCurrentRows(trx, tables.incidents!, closes);
    for (const insert of inserts) await insert(trx);
    // A rebuild's copy records only where snapshots fall; completeSums sums it all at the end.
    const closedNow = options.deferred ? [] : await closedLines(trx, tables, closed);
    await updateSums(trx, tables, { validFrom, inserted, closed: closedNow }, options);
  };
}
