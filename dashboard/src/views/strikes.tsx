import { getJson } from '../api';
import { Chart, useCharts } from '../chart';
import { Card, Count, CsvButton, Rate, ErrorBox, Freshness, Link, Loading } from '../components';
import { readParams, useApp, useResource } from '../context';
import { fmtMonth, fmtWeapon } from '../format';
import { monthRange, type Route } from '../route';
import type { StrikeRow, StrikesTally } from '../types';

const BY_KIND = { groupBy: 'attacker,weaponKind,month' };
const BY_ATTACKER = { groupBy: 'attacker,month' };

/** The timeline of one month's strikes (by one attacker when given). */
function monthTimeline(row: StrikeRow): Partial<Route> {
  return {
    view: 'timeline',
    filters: {
      type: 'StrikeReported',
      ...(row.month ? monthRange(row.month) : {}),
      ...(row.attacker ? { party: row.attacker } : {}),
    },
    incident: undefined,
  };
}

export function Strikes() {
  const app = useApp();
  const { read } = app;
  const params = readParams(read);
  const { charts, error: chartError } = useCharts();
  const state = useResource(
    async (signal) => {
      const [byKind, byAttacker] = await Promise.all([
        getJson<StrikesTally>('/v1/tallies/strikes', { ...BY_KIND, ...params }, signal),
        getJson<StrikesTally>('/v1/tallies/strikes', { ...BY_ATTACKER, ...params }, signal),
      ]);
      return { byKind, byAttacker };
    },
    [read.asOf, read.tick],
  );
  const csvParams = { ...BY_KIND, ...(read.asOf ? { asOf: read.asOf } : {}) };
  if (state.error) return <ErrorBox error={state.error} />;
  if (!state.data) return <Loading what="strikes" />;
  const { byKind, byAttacker } = state.data;
  const open = (row: StrikeRow) => app.navigate(monthTimeline(row));
  const anyRate = byAttacker.rows.some((r) => r.interceptionRate !== null);
  return (
    <div aria-busy={state.loading}>
      <h1 class="view-title">Strikes over time</h1>
      <Freshness meta={byKind.meta} />
      <Card
        id="strikes-chart"
        title="Launched vs intercepted, per month"
        actions={
          <CsvButton
            path="/v1/tallies/strikes"
            params={csvParams}
            filename="strikes-by-month.csv"
          />
        }
      >
        <p class="muted small">
          One panel per attacker; solid bars are launched, lighter dashed bars intercepted, stacked
          by weapon kind. A figure no report gave is not drawn (see the table). Hover for exact
          numbers; click a bar to open that month in the timeline.
        </p>
        {chartError && <ErrorBox error={chartError} />}
        {byKind.rows.length === 0 ? (
          <p class="muted">No strikes recorded.</p>
        ) : (
          charts && (
            <Chart
              label="Weapons launched and intercepted per month"
              deps={[byKind]}
              draw={(width) => charts.strikesChart(byKind.rows, { width, onPick: open })}
            />
          )
        )}
      </Card>
      <Card id="rate-chart" title="Interception rate, per month">
        {!anyRate && byAttacker.rows.length > 0 && (
          <p class="notice">
            The interception rate is unknown for every month shown: no weapon line gives both
            launched and intercepted.
          </p>
        )}
        {charts && anyRate && (
          <Chart
            label="Interception rate per month by attacker"
            deps={[byAttacker]}
            draw={(width) => charts.rateChart(byAttacker.rows, { width, onPick: open })}
          />
        )}
      </Card>
      <Card id="strikes-table" title="The figures">
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col">Attacker</th>
                <th scope="col">Weapon</th>
                <th scope="col" class="num">
                  Strikes
                </th>
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
              {byKind.rows.map((row) => (
                <tr key={`${row.month}-${row.attacker}-${row.weaponKind}`}>
                  <th scope="row">
                    <Link to={monthTimeline(row)}>{row.month ? fmtMonth(row.month) : '—'}</Link>
                  </th>
                  <td>{row.attacker}</td>
                  <td>{fmtWeapon(row.weaponKind)}</td>
                  <td class="num">
                    <Count value={row.strikes} />
                  </td>
                  <td class="num">
                    <Count value={row.launched} />
                  </td>
                  <td class="num">
                    <Count value={row.intercepted} />
                  </td>
                  <td class="num">
                    <Rate value={row.interceptionRate} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
