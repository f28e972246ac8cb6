import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../database';
import type { Projection, StoredEvent } from '../../event-store';
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

/**
 * The tallies: per incident version, the incident's filter columns and its figure lines. A
 * correction closes the version it replaces and adds the new one (subtracting what the incident
 * contributed and adding what it contributes now); a retraction only closes, so it counts no
 * more. Queries sum the current (or, "as of", the then valid) rows.
 */
export const talliesProjection: Projection = {
  name: 'tallies',
  version: 1,
  tables: {
    incidents: 'read_model.tally_incidents',
    released: 'read_model.tally_released',
    weapons: 'read_model.tally_weapons',
    casualties: 'read_model.tally_casualties',
  },
  async apply(trx: Kysely<Database>, events: readonly StoredEvent[], tables): Promise<void> {
    const versions = await incidentVersions(trx, events);
    if (versions.length === 0) return;
    const { validTo, closes } = versionSpans(versions);
    await closeCurrentRows(trx, tables.incidents!, closes);

    const incidents: Insertable<TallyIncidentTable>[] = [];
    const released: Insertable<TallyReleasedTable>[] = [];
    const weapons: Insertable<TallyWeaponTable>[] = [];
    const casualties: Insertable<TallyCasualtyTable>[] = [];
    versions.forEach((v, i) => {
      if (v.status === 'retracted') return;
      const facts = incidentFacts(v.type, v.body);
      const key = { incident_id: v.incidentId, version: v.version };
      const agreement =
        v.type === 'PrisonerExchangeAgreed' ? (v.body as PrisonerExchangeAgreedData) : undefined;
      const sanction =
        v.type === 'SanctionsWarned' || v.type === 'SanctionsImposed'
          ? (v.body as SanctionsImposedData)
          : undefined;
      incidents.push({
        ...key,
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
      });
      if (v.type === 'PrisonersExchanged') {
        (v.body as PrisonersExchangedData).released.forEach((line, n) =>
          released.push({ ...key, line: n, party: line.by, count: line.count }),
        );
      }
      const casualtyLines: CasualtyLine[] = [];
      if (v.type === 'StrikeReported') {
        const strike = v.body as StrikeReportedData;
        strike.weapons.forEach((line: WeaponLine, n) =>
          weapons.push({
            ...key,
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
          ...key,
          line: n,
          region: lineRegion(line, v.body),
          killed: line.killed ?? null,
          injured: line.injured ?? null,
          at_least: line.atLeast ?? false,
        }),
      );
    });
    // Same row types as the live tables; a rebuild writes to copies under another schema.
    await insertRows(trx, tables.incidents as 'read_model.tally_incidents', incidents);
    await insertRows(trx, tables.released as 'read_model.tally_released', released);
    await insertRows(trx, tables.weapons as 'read_model.tally_weapons', weapons);
    await insertRows(trx, tables.casualties as 'read_model.tally_casualties', casualties);
  },
};
