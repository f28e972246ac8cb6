/**
 * What incident versions add to (or, signed −1, take from) the tally sums, computed in memory
 * from the rows a batch writes, so that keeping the sums costs a batch one write per sums table
 * rather than an aggregate over the lines it just inserted. It must agree exactly with the SQL
 * aggregates of tally-sums.ts (which build snapshots and answer "as of"): the property test
 * compares both with a reference model, batch by batch and rebuilt.
 */
import type {
  TallyCasualtyTable,
  TallyIncidentTable,
  TallyReleasedTable,
  TallyWeaponTable,
} from './tallies.table';

/** One incident version with its lines, as the tally tables hold them. */
export interface VersionLines {
  /** valid_to is null while the version is current. */
  incident: Pick<
    TallyIncidentTable,
    | 'incident_id'
    | 'version'
    | 'valid_from'
    | 'valid_to'
    | 'type'
    | 'month'
    | 'country'
    | 'agreement_id'
    | 'issuer'
    | 'target'
  >;
  weapons: readonly Pick<
    TallyWeaponTable,
    'attacker' | 'weapon_kind' | 'region' | 'launched' | 'intercepted'
  >[];
  casualties: readonly Pick<TallyCasualtyTable, 'region' | 'killed' | 'injured' | 'at_least'>[];
  released: readonly Pick<TallyReleasedTable, 'party' | 'count'>[];
}

/** A row of changes to a sums table: its group (mask or kind), keys, and signed measures. */
export type SumsRow = Record<string, unknown> & { keys: (string | null)[] };

/** The summed columns of each sums table, `lines` (a group's line count) first. */
export const STRIKE_MEASURES = [
  'lines',
  'strikes',
  'launched',
  'launched_lines',
  'intercepted',
  'intercepted_lines',
  'both_launched',
  'both_intercepted',
] as const;
export const CASUALTY_MEASURES = [
  'lines',
  'killed',
  'killed_lines',
  'injured',
  'injured_lines',
  'at_least_lines',
] as const;
export const COUNT_MEASURES = ['lines', 'n'] as const;

/** Accumulates signed measures per (group, keys). */
class Accumulator {
  private readonly rows = new Map<string, SumsRow>();

  constructor(
    private readonly group: 'mask' | 'kind',
    private readonly measures: readonly string[],
  ) {}

  add(group: number | string, keys: (string | null)[], measures: Record<string, number>): void {
    const id = JSON.stringify([group, keys]);
    let row = this.rows.get(id);
    if (!row) {
      row = { [this.group]: group, keys };
      for (const m of this.measures) row[m] = 0;
      this.rows.set(id, row);
    }
    for (const [m, value] of Object.entries(measures)) row[m] = (row[m] as number) + value;
  }

  /** The rows that change something. */
  result(): SumsRow[] {
    return [...this.rows.values()].filter((row) =>
      this.measures.some((m) => (row[m] as number) !== 0),
    );
  }
}

/** The keys of a line under a grouping mask (bit set: key left out, first key highest). */
function masked(keys: readonly (string | null)[], mask: number): (string | null)[] {
  return keys.map((key, n) => ((mask & (1 << (keys.length - 1 - n))) === 0 ? key : null));
}

const given = (value: number | null): number => (value === null ? 0 : 1);

export function strikeChanges(
  versions: readonly { sign: number; lines: VersionLines }[],
): SumsRow[] {
  const acc = new Accumulator('mask', STRIKE_MEASURES);
  for (const { sign, lines: v } of versions) {
    if (v.weapons.length === 0) continue;
    for (let mask = 0; mask < 16; mask++) {
      const groups = new Set<string>();
      for (const w of v.weapons) {
        const keys = masked([w.attacker, w.weapon_kind, w.region, v.incident.month], mask);
        const both = w.launched !== null && w.intercepted !== null;
        const id = JSON.stringify(keys);
        acc.add(mask, keys, {
          lines: sign,
          strikes: groups.has(id) ? 0 : sign,
          launched: sign * (w.launched ?? 0),
          launched_lines: sign * given(w.launched),
          intercepted: sign * (w.intercepted ?? 0),
          intercepted_lines: sign * given(w.intercepted),
          both_launched: both ? sign * w.launched! : 0,
          both_intercepted: both ? sign * w.intercepted! : 0,
        });
        groups.add(id);
      }
    }
  }
  return acc.result();
}

export function casualtyChanges(
  versions: readonly { sign: number; lines: VersionLines }[],
): SumsRow[] {
  const acc = new Accumulator('mask', CASUALTY_MEASURES);
  for (const { sign, lines: v } of versions) {
    for (const c of v.casualties) {
      for (let mask = 0; mask < 8; mask++) {
        acc.add(mask, masked([v.incident.country, c.region, v.incident.month], mask), {
          lines: sign,
          killed: sign * (c.killed ?? 0),
          killed_lines: sign * given(c.killed),
          injured: sign * (c.injured ?? 0),
          injured_lines: sign * given(c.injured),
          at_least_lines: c.at_least ? sign : 0,
        });
      }
    }
  }
  return acc.result();
}

export function countChanges(
  versions: readonly { sign: number; lines: VersionLines }[],
): SumsRow[] {
  const acc = new Accumulator('kind', COUNT_MEASURES);
  for (const { sign, lines: v } of versions) {
    const one = { lines: sign, n: sign };
    const { type, month, agreement_id: agreementId, issuer, target } = v.incident;
    if (type === 'PrisonersExchanged') acc.add('exchanges', [], one);
    for (const r of v.released) {
      const released = { lines: sign, n: sign * r.count };
      acc.add('released', [r.party], released);
      if (agreementId !== null)
        acc.add('agreement_released', [agreementId.toLowerCase(), r.party], released);
    }
    acc.add('incidents', [type, month], one);
    if (type === 'SanctionsWarned' || type === 'SanctionsImposed')
      acc.add('sanctions', [issuer, target, type], one);
  }
  return acc.result();
}

/**
 * The signed versions a batch changes as seen at `at` (null: now): versions it inserted that are
 * valid then count; versions it closed that were valid then and no longer are stop counting.
 */
export function seenAt(
  inserted: readonly VersionLines[],
  closed: readonly VersionLines[],
  at: Date | null,
): { sign: number; lines: VersionLines }[] {
  const validAt = (v: VersionLines) =>
    at === null
      ? v.incident.valid_to === null
      : v.incident.valid_from <= at && (v.incident.valid_to === null || v.incident.valid_to > at);
  const endedBy = (v: VersionLines) =>
    at === null ||
    (v.incident.valid_from <= at && v.incident.valid_to !== null && v.incident.valid_to <= at);
  return [
    ...inserted.filter(validAt).map((lines) => ({ sign: 1, lines })),
    ...closed.filter(endedBy).map((lines) => ({ sign: -1, lines })),
  ];
}
