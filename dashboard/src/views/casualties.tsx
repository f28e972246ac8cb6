import { getJson } from '../api';
import { Chart, useCharts } from '../chart';
import { Card, Count, CsvButton, ErrorBox, Freshness, Link, Loading } from '../components';
import { readParams, useApp, useResource } from '../context';
import type { Route } from '../route';
import type { CasualtiesTally, CasualtyRow } from '../types';

const GROUP = { groupBy: 'country,region' };

function regionTimeline(row: CasualtyRow): Partial<Route> {
  return {
    view: 'timeline',
    filters: {
      type: 'StrikeReported,CasualtiesReported',
      ...(row.region ? { region: row.region } : row.country ? { country: row.country } : {}),
    },
    incident: undefined,
  };
}

export function Casualties() {
  const app = useApp();
  const { read } = app;
  const params = readParams(read);
  const { charts, error: chartError } = useCharts();
  const state = useResource(
    (signal) => getJson<CasualtiesTally>('/v1/tallies/casualties', { ...GROUP, ...params }, signal),
    [read.asOf, read.tick],
  );
  if (state.error) return <ErrorBox error={state.error} />;
  const data = state.data;
  if (!data) return <Loading what="casualties" />;
  const label = (row: CasualtyRow) =>
    charts ? charts.regionLabel(row.region, row.country) : (row.region ?? `${row.country ?? ''}`);
  return (
    <div aria-busy={state.loading}>
      <h1 class="view-title">Casualties by region</h1>
      <Freshness meta={data.meta} />
      <Card
        id="casualties-chart"
        title="Killed and injured per region"
        actions={
          <CsvButton
            path="/v1/tallies/casualties"
            params={{ ...GROUP, ...(read.asOf ? { asOf: read.asOf } : {}) }}
            filename="casualties-by-region.csv"
          />
        }
      >
        <p class="muted small">
          Counts casualty lines of strike and casualty reports; “≥” marks figures a report gives as
          a minimum, “unknown” a figure no report gave. Click a bar to open the reports.
        </p>
        {chartError && <ErrorBox error={chartError} />}
        {data.rows.length === 0 ? (
          <p class="muted">No casualties recorded.</p>
        ) : (
          charts && (
            <Chart
              label="Killed and injured per region"
              deps={[data]}
              draw={(width) =>
                charts.casualtiesChart(data.rows, {
                  width,
                  onPick: (row) => app.navigate(regionTimeline(row)),
                })
              }
            />
          )
        )}
      </Card>
      <Card id="casualties-table" title="The figures">
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col">Country</th>
                <th scope="col" class="num">
                  Killed
                </th>
                <th scope="col" class="num">
                  Injured
                </th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr key={`${row.country}-${row.region}`}>
                  <th scope="row">
                    <Link to={regionTimeline(row)}>{label(row)}</Link>
                  </th>
                  <td>{row.country}</td>
                  <td class="num">
                    <Count value={row.killed} atLeast={row.atLeast} />
                  </td>
                  <td class="num">
                    <Count value={row.injured} atLeast={row.atLeast} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  All
                </th>
                <td class="num">
                  <Count value={data.totals.killed} atLeast={data.totals.atLeast} />
                </td>
                <td class="num">
                  <Count value={data.totals.injured} atLeast={data.totals.atLeast} />
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      </Card>
    </div>
  );
}
