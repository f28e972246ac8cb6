import { getJson } from '../api';
import {
  Card,
  Count,
  CsvButton,
  Rate,
  ErrorBox,
  Freshness,
  Link,
  Loading,
  TimelineLink,
} from '../components';
import { readParams, useApp, useResource } from '../context';
import { fmtRate, fmtType, fmtWeapon } from '../format';
import type {
  CasualtiesTally,
  IncidentsTally,
  PrisonersTally,
  SanctionsTally,
  StrikesTally,
} from '../types';

interface OverviewData {
  prisoners: PrisonersTally;
  strikes: StrikesTally;
  casualties: CasualtiesTally;
  sanctions: SanctionsTally;
  incidents: IncidentsTally;
}

const STRIKES_PARAMS = { groupBy: 'attacker,weaponKind' };

export function Overview() {
  const { read } = useApp();
  const params = readParams(read);
  const state = useResource<OverviewData>(
    async (signal) => {
      const [prisoners, strikes, casualties, sanctions, incidents] = await Promise.all([
        getJson<PrisonersTally>('/v1/tallies/prisoners', params, signal),
        getJson<StrikesTally>('/v1/tallies/strikes', { ...STRIKES_PARAMS, ...params }, signal),
        getJson<CasualtiesTally>('/v1/tallies/casualties', params, signal),
        getJson<SanctionsTally>('/v1/tallies/sanctions', params, signal),
        getJson<IncidentsTally>('/v1/tallies/incidents', params, signal),
      ]);
      return { prisoners, strikes, casualties, sanctions, incidents };
    },
    [read.asOf, read.tick],
  );
  if (state.error) return <ErrorBox error={state.error} />;
  const data = state.data;
  if (!data) return <Loading what="the overview" />;
  const asOf = read.asOf ? { asOf: read.asOf } : {};
  return (
    <div class="overview" aria-busy={state.loading}>
      <h1 class="view-title">Overview</h1>
      <Freshness meta={data.prisoners.meta} />
      <div class="grid">
        <Prisoners data={data.prisoners} csv={asOf} />
        <Strikes data={data.strikes} csv={asOf} />
        <Casualties data={data.casualties} csv={asOf} />
        <Sanctions data={data.sanctions} csv={asOf} />
        <Incidents data={data.incidents} csv={asOf} />
      </div>
    </div>
  );
}

type CsvParams = { asOf?: string };

function Prisoners({ data, csv }: { data: PrisonersTally; csv: CsvParams }) {
  const sides = Object.entries(data.totals.releasedBy).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Card
      id="prisoners"
      title="Prisoners released"
      actions={<CsvButton path="/v1/tallies/prisoners" params={csv} filename="prisoners.csv" />}
    >
      <div class="figures">
        {sides.length === 0 && <p class="muted">No exchanges recorded.</p>}
        {sides.map(([party, count]) => (
          <TimelineLink
            key={party}
            filters={{ type: 'PrisonersExchanged', party }}
            label={`${count} released by ${party}: show the exchanges`}
          >
            <span class="figure" data-testid={`released-${party}`}>
              <span class="figure-value">
                <Count value={count} />
              </span>
              <span class="figure-label">released by {party}</span>
            </span>
          </TimelineLink>
        ))}
      </div>
      <p class="muted">
        in{' '}
        <TimelineLink filters={{ type: 'PrisonersExchanged' }}>
          {data.totals.exchanges} exchange{data.totals.exchanges === 1 ? '' : 's'}
        </TimelineLink>
      </p>
      {data.agreements.length > 0 && <h3>Agreements</h3>}
      <ul class="agreements">
        {data.agreements.map((agreement) => {
          const pct = fmtRate(agreement.progress);
          return (
            <li key={agreement.agreementId} data-testid="agreement">
              <TimelineLink
                filters={{
                  type: 'PrisonerExchangeAgreed,PrisonersExchanged',
                  party: agreement.parties[0] ?? '',
                }}
                incident={agreement.agreementId}
                label={`Agreement ${agreement.parties.join('–')}, ${agreement.totalPerSide} per side: ${pct} done. Show it`}
              >
                {agreement.parties.join(' ↔ ')}: {agreement.totalPerSide.toLocaleString('en-GB')}{' '}
                per side
              </TimelineLink>
              <div
                class="progress"
                role="progressbar"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(agreement.progress * 1000) / 10}
                aria-label={`Agreement progress ${pct}`}
              >
                <div
                  class="progress-bar"
                  style={{ width: `${Math.min(100, agreement.progress * 100)}%` }}
                />
              </div>
              <p class="progress-text">
                <strong data-testid="agreement-progress">{pct}</strong> done —{' '}
                {agreement.parties.map((party, i) => (
                  <span key={party}>
                    {i > 0 && ', '}
                    {party} <Count value={agreement.releasedBy[party] ?? 0} />
                  </span>
                ))}{' '}
                of {agreement.totalPerSide.toLocaleString('en-GB')}
              </p>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}

function Strikes({ data, csv }: { data: StrikesTally; csv: CsvParams }) {
  return (
    <Card
      id="strikes"
      wide
      title="Drones and missiles"
      actions={
        <CsvButton
          path="/v1/tallies/strikes"
          params={{ ...STRIKES_PARAMS, ...csv }}
          filename="strikes.csv"
        />
      }
    >
      {data.rows.length === 0 ? (
        <p class="muted">No strikes recorded.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Launched and intercepted by attacker and weapon kind</caption>
            <thead>
              <tr>
                <th scope="col">Attacker</th>
                <th scope="col">Weapon</th>
                <th scope="col" class="num">
                  Launched
                </th>
                <th scope="col" class="num">
                  Intercepted
                </th>
                <th scope="col" class="num">
                  Rate
                </th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => {
                const filters = { type: 'StrikeReported', party: row.attacker ?? '' };
                return (
                  <tr key={`${row.attacker}-${row.weaponKind}`}>
                    <th scope="row">{row.attacker}</th>
                    <td>{fmtWeapon(row.weaponKind)}</td>
                    <td
                      class="num"
                      data-testid={`strike-${row.attacker}-${row.weaponKind}-launched`}
                    >
                      <TimelineLink filters={filters}>
                        <Count value={row.launched} />
                      </TimelineLink>
                    </td>
                    <td
                      class="num"
                      data-testid={`strike-${row.attacker}-${row.weaponKind}-intercepted`}
                    >
                      <TimelineLink filters={filters}>
                        <Count value={row.intercepted} />
                      </TimelineLink>
                    </td>
                    <td class="num">
                      <Rate value={row.interceptionRate} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  All ({data.totals.strikes} strike{data.totals.strikes === 1 ? '' : 's'})
                </th>
                <td class="num">
                  <TimelineLink filters={{ type: 'StrikeReported' }}>
                    <Count value={data.totals.launched} />
                  </TimelineLink>
                </td>
                <td class="num">
                  <TimelineLink filters={{ type: 'StrikeReported' }}>
                    <Count value={data.totals.intercepted} />
                  </TimelineLink>
                </td>
                <td class="num">
                  <Rate value={data.totals.interceptionRate} />
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      <p class="muted small">
        The rate counts only weapon lines that give both launched and intercepted.{' '}
        <Link to={{ view: 'strikes' }}>Strikes over time →</Link>
      </p>
    </Card>
  );
}

function Casualties({ data, csv }: { data: CasualtiesTally; csv: CsvParams }) {
  const filters = { type: 'StrikeReported,CasualtiesReported' };
  // The API marks a group "at least" when any of its lines is a minimum; per figure, only the
  // groups that give that figure can make it one.
  const killedAtLeast = data.rows.some((r) => r.atLeast && r.killed !== null);
  const injuredAtLeast = data.rows.some((r) => r.atLeast && r.injured !== null);
  return (
    <Card
      id="casualties"
      title="Killed and injured"
      actions={<CsvButton path="/v1/tallies/casualties" params={csv} filename="casualties.csv" />}
    >
      <div class="figures">
        <TimelineLink filters={filters} label="Killed: show the reports">
          <span class="figure" data-testid="killed">
            <span class="figure-value">
              <Count value={data.totals.killed} atLeast={killedAtLeast} />
            </span>
            <span class="figure-label">killed</span>
          </span>
        </TimelineLink>
        <TimelineLink filters={filters} label="Injured: show the reports">
          <span class="figure" data-testid="injured">
            <span class="figure-value">
              <Count value={data.totals.injured} atLeast={injuredAtLeast} />
            </span>
            <span class="figure-label">injured</span>
          </span>
        </TimelineLink>
      </div>
      {(killedAtLeast || injuredAtLeast) && (
        <p class="muted small">≥: some reports give only a minimum.</p>
      )}
      <p class="muted small">
        <Link to={{ view: 'casualties' }}>By region →</Link>
      </p>
    </Card>
  );
}

function Sanctions({ data, csv }: { data: SanctionsTally; csv: CsvParams }) {
  return (
    <Card
      id="sanctions"
      title="Sanctions"
      actions={<CsvButton path="/v1/tallies/sanctions" params={csv} filename="sanctions.csv" />}
    >
      {data.rows.length === 0 ? (
        <p class="muted">No sanctions recorded.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Issuer → target</th>
                <th scope="col" class="num">
                  Warnings
                </th>
                <th scope="col" class="num">
                  Impositions
                </th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr key={`${row.issuer}-${row.target}`}>
                  <th scope="row">
                    {row.issuer} → {row.target}
                  </th>
                  <td class="num">
                    <TimelineLink filters={{ type: 'SanctionsWarned', party: row.issuer }}>
                      <Count value={row.warnings} />
                    </TimelineLink>
                  </td>
                  <td class="num">
                    <TimelineLink filters={{ type: 'SanctionsImposed', party: row.issuer }}>
                      <Count value={row.impositions} />
                    </TimelineLink>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function Incidents({ data, csv }: { data: IncidentsTally; csv: CsvParams }) {
  return (
    <Card
      id="incidents"
      title="Incidents by type"
      actions={<CsvButton path="/v1/tallies/incidents" params={csv} filename="incidents.csv" />}
    >
      <ul class="type-list">
        {data.rows.map((row) => (
          <li key={row.type}>
            <TimelineLink filters={{ type: row.type }}>
              <span class={`badge type-${row.type}`}>{fmtType(row.type)}</span>{' '}
              <Count value={row.count} />
            </TimelineLink>
          </li>
        ))}
      </ul>
      <p class="muted small">
        <Link to={{ view: 'timeline', filters: {} }}>
          All {data.totals?.count ?? ''} incidents →
        </Link>
      </p>
    </Card>
  );
}
