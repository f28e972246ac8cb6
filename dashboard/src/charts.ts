/**
 * The charts, drawn with Observable Plot (SVG). Loaded on demand: the overview and the
 * timeline never pay for it.
 */
import * as Plot from '@observablehq/plot';
import { BY_SUBDIVISIONS } from '../../src/timeline/gazetteer/subdivisions.by';
import { RU_SUBDIVISIONS } from '../../src/timeline/gazetteer/subdivisions.ru';
import { UA_SUBDIVISIONS } from '../../src/timeline/gazetteer/subdivisions.ua';
import { fmtCount, fmtMonth, fmtRate, fmtWeapon, OKABE_ITO, WEAPON_LABELS } from './format';
import type { CasualtyRow, StrikeRow } from './types';

const REGION_NAMES = new Map<string, string>(
  [...UA_SUBDIVISIONS, ...RU_SUBDIVISIONS, ...BY_SUBDIVISIONS].map((s) => [s.code, s.name]),
);

/** `Kyiv (UA-30)`; a region the gazetteer does not name is shown by its code. */
export function regionLabel(code: string | null | undefined, country?: string): string {
  if (!code) return `${country ? `${country}: ` : ''}no region given`;
  const name = REGION_NAMES.get(code);
  return name ? `${name} (${code})` : code;
}

const WEAPON_ORDER = Object.keys(WEAPON_LABELS);

/** The element Plot returns, with the datum under the pointer (when a tip shows). */
type PlotElement = (SVGSVGElement | HTMLElement) & { value?: unknown };

function onPick<T>(element: PlotElement, pick: (datum: T) => void): PlotElement {
  element.addEventListener('click', () => {
    if (element.value) pick(element.value as T);
  });
  element.classList.add('clickable');
  return element;
}

interface StrikeBar {
  month: string;
  attacker: string;
  weaponKind: string;
  measure: 'Launched' | 'Intercepted';
  value: number;
  row: StrikeRow;
}

function strikeTitle(row: StrikeRow): string {
  return [
    `${row.attacker ?? '?'} · ${fmtWeapon(row.weaponKind)} · ${row.month ? fmtMonth(row.month) : ''}`,
    `Launched: ${fmtCount(row.launched)}`,
    `Intercepted: ${fmtCount(row.intercepted)}`,
    `Interception rate: ${fmtRate(row.interceptionRate)}`,
    `Strikes: ${fmtCount(row.strikes)}`,
    'Click to open these strikes in the timeline',
  ].join('\n');
}

/**
 * Launched vs intercepted per month (one panel per attacker), each bar stacked by weapon kind.
 * A figure no report gave is not drawn (it is unknown, not 0); the table beside says so.
 */
export function strikesChart(
  rows: StrikeRow[],
  options: { width: number; onPick: (row: StrikeRow) => void },
): PlotElement {
  const bars: StrikeBar[] = [];
  for (const row of rows) {
    for (const measure of ['Launched', 'Intercepted'] as const) {
      const value = measure === 'Launched' ? row.launched : row.intercepted;
      if (value === null) continue;
      bars.push({
        month: row.month ?? '',
        attacker: row.attacker ?? '',
        weaponKind: row.weaponKind ?? 'other',
        measure,
        value,
        row,
      });
    }
  }
  // A month, attacker and measure that no weapon line gives at all is written "unknown".
  const unknowns: Omit<StrikeBar, 'value' | 'weaponKind' | 'row'>[] = [];
  for (const month of new Set(rows.map((r) => r.month ?? ''))) {
    for (const attacker of new Set(rows.map((r) => r.attacker ?? ''))) {
      const group = rows.filter(
        (r) => (r.month ?? '') === month && (r.attacker ?? '') === attacker,
      );
      if (group.length === 0) continue;
      if (group.every((r) => r.launched === null))
        unknowns.push({ month, attacker, measure: 'Launched' });
      if (group.every((r) => r.intercepted === null))
        unknowns.push({ month, attacker, measure: 'Intercepted' });
    }
  }
  const kinds = WEAPON_ORDER.filter((kind) => rows.some((r) => r.weaponKind === kind));
  const attackers = [...new Set(rows.map((r) => r.attacker ?? ''))].sort();
  const narrow = options.width < 600;
  const element = Plot.plot({
    width: options.width,
    height: Math.max(220, attackers.length * (narrow ? 200 : 230)),
    marginLeft: 56,
    marginRight: narrow ? 10 : 40,
    marginBottom: 40,
    style: { fontSize: '13px', fontFamily: 'inherit' },
    ariaLabel: 'Weapons launched and intercepted per month, by attacker and weapon kind',
    fx: { label: null, tickFormat: fmtMonth, padding: 0.15 },
    fy: { label: 'Attacker', domain: attackers },
    x: {
      domain: ['Launched', 'Intercepted'],
      label: null,
      tickFormat: (d: string) => (narrow ? d.slice(0, 1) : d),
    },
    y: { grid: true, label: 'Weapons', nice: true },
    color: {
      domain: kinds,
      range: OKABE_ITO,
      legend: true,
      tickFormat: (k: string) => fmtWeapon(k),
      label: narrow ? 'L: launched, I: intercepted' : undefined,
    },
    marks: [
      Plot.barY(bars, {
        fx: 'month',
        fy: 'attacker',
        x: 'measure',
        y: 'value',
        fill: 'weaponKind',
        fillOpacity: (d: StrikeBar) => (d.measure === 'Intercepted' ? 0.6 : 1),
        stroke: (d: StrikeBar) => (d.measure === 'Intercepted' ? '#333' : 'none'),
        strokeDasharray: '3,2',
        title: (d: StrikeBar) => strikeTitle(d.row),
        tip: true,
      }),
      Plot.text(unknowns, {
        fx: 'month',
        fy: 'attacker',
        x: 'measure',
        y: 0,
        text: () => 'unknown',
        dy: -10,
        fill: '#555',
        fontStyle: 'italic',
      }),
      Plot.ruleY([0]),
      Plot.frame({ strokeOpacity: 0.15 }),
    ],
  }) as PlotElement;
  return onPick<StrikeBar>(element, (d) => options.onPick(d.row));
}

/** The interception rate per month, one line per attacker (months with no rate are gaps). */
export function rateChart(
  rows: StrikeRow[],
  options: { width: number; onPick: (row: StrikeRow) => void },
): PlotElement {
  const attackers = [...new Set(rows.map((r) => r.attacker ?? ''))].sort();
  const element = Plot.plot({
    width: options.width,
    height: 200,
    marginLeft: 56,
    style: { fontSize: '13px', fontFamily: 'inherit' },
    ariaLabel: 'Interception rate per month, by attacker',
    x: {
      type: 'band',
      label: null,
      tickFormat: fmtMonth,
      domain: [...new Set(rows.map((r) => r.month ?? ''))].sort(),
    },
    y: { domain: [0, 1], tickFormat: '.0%', grid: true, label: 'Interception rate' },
    color: { domain: attackers, range: [OKABE_ITO[3]!, OKABE_ITO[4]!, ...OKABE_ITO], legend: true },
    marks: [
      Plot.line(rows, {
        x: 'month',
        y: 'interceptionRate',
        stroke: 'attacker',
        strokeWidth: 2,
      }),
      Plot.dot(rows, {
        x: 'month',
        y: 'interceptionRate',
        stroke: 'attacker',
        fill: 'attacker',
        r: 4,
        title: (row: StrikeRow) =>
          `${row.attacker} · ${row.month ? fmtMonth(row.month) : ''}\nInterception rate: ${fmtRate(row.interceptionRate)}\nLaunched: ${fmtCount(row.launched)}\nIntercepted: ${fmtCount(row.intercepted)}`,
        tip: true,
      }),
    ],
  }) as PlotElement;
  return onPick<StrikeRow>(element, options.onPick);
}

interface CasualtyBar {
  label: string;
  measure: 'Killed' | 'Injured';
  value: number | null;
  row: CasualtyRow;
}

/** Killed and injured per region: grouped horizontal bars, "unknown" written where not given. */
export function casualtiesChart(
  rows: CasualtyRow[],
  options: { width: number; onPick: (row: CasualtyRow) => void },
): PlotElement {
  const bars: CasualtyBar[] = rows.flatMap((row) => {
    const label = regionLabel(row.region, row.country);
    return [
      { label, measure: 'Killed' as const, value: row.killed, row },
      { label, measure: 'Injured' as const, value: row.injured, row },
    ];
  });
  const labels = [...new Set(bars.map((b) => b.label))];
  const narrow = options.width < 600;
  const title = (d: CasualtyBar) =>
    `${d.label}\nKilled: ${d.row.atLeast && d.row.killed !== null ? '≥ ' : ''}${fmtCount(d.row.killed)}\nInjured: ${d.row.atLeast && d.row.injured !== null ? '≥ ' : ''}${fmtCount(d.row.injured)}${d.row.atLeast ? '\n(≥: a report gives a minimum)' : ''}\nClick to open the reports in the timeline`;
  const element = Plot.plot({
    width: options.width,
    height: Math.max(160, labels.length * 64 + 60),
    marginLeft: narrow ? 120 : 200,
    marginRight: 70,
    style: { fontSize: '13px', fontFamily: 'inherit' },
    ariaLabel: 'Killed and injured per region',
    fy: { label: null, domain: labels },
    y: { domain: ['Killed', 'Injured'], label: null, axis: null },
    x: { grid: true, label: 'People', nice: true },
    color: { domain: ['Killed', 'Injured'], range: [OKABE_ITO[4]!, OKABE_ITO[3]!], legend: true },
    marks: [
      Plot.barX(
        bars.filter((b) => b.value !== null),
        { fy: 'label', y: 'measure', x: 'value', fill: 'measure', title, tip: true },
      ),
      Plot.text(bars, {
        fy: 'label',
        y: 'measure',
        x: (d: CasualtyBar) => d.value ?? 0,
        text: (d: CasualtyBar) =>
          d.value === null
            ? `${d.measure.toLowerCase()}: unknown`
            : `${d.row.atLeast ? '≥ ' : ''}${fmtCount(d.value)}`,
        textAnchor: 'start',
        dx: 4,
        fill: (d: CasualtyBar) => (d.value === null ? '#555' : '#111'),
      }),
      Plot.ruleX([0]),
    ],
  }) as PlotElement;
  return onPick<CasualtyBar>(element, (d) => options.onPick(d.row));
}
