/** Formatting: numbers, unknowns (null is "unknown", never 0), rates, dates, type names. */

const integer = new Intl.NumberFormat('en-GB');
const percent = new Intl.NumberFormat('en-GB', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

export const UNKNOWN = 'unknown';

export function fmtCount(value: number | null | undefined): string {
  return value === null || value === undefined ? UNKNOWN : integer.format(value);
}

export function fmtRate(value: number | null | undefined): string {
  return value === null || value === undefined ? UNKNOWN : percent.format(value);
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'Europe/Kyiv',
});
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/Kyiv',
  timeZoneName: 'short',
});
const localDateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** When an incident happened, in Kyiv time (a date for day precision). */
export function fmtOccurred(item: {
  occurredAt: string;
  occurredUntil: string | null;
  precision: 'day' | 'instant';
}): string {
  const start = new Date(item.occurredAt);
  const first = item.precision === 'day' ? dateFormat.format(start) : dateTimeFormat.format(start);
  if (!item.occurredUntil) return first;
  const until = new Date(item.occurredUntil);
  return `${first} – ${item.precision === 'day' ? dateFormat.format(until) : dateTimeFormat.format(until)}`;
}

/** A recording time, in the user's own time zone. */
export function fmtRecorded(iso: string): string {
  return localDateTime.format(new Date(iso));
}

const monthFormat = new Intl.DateTimeFormat('en-GB', {
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

export function fmtMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthFormat.format(new Date(Date.UTC(y, m - 1, 1)));
}

/** `PrisonersExchanged` → `Prisoners exchanged`. */
export function fmtType(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const WEAPON_LABELS: Record<string, string> = {
  drone: 'Drones',
  ballistic_missile: 'Ballistic missiles',
  cruise_missile: 'Cruise missiles',
  guided_bomb: 'Guided bombs',
  artillery: 'Artillery',
  other: 'Other',
};

export function fmtWeapon(kind: string | null | undefined): string {
  return kind ? (WEAPON_LABELS[kind] ?? kind) : UNKNOWN;
}

/** A `datetime-local` input's value (local time, seconds) for an ISO instant. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** An ISO instant (UTC) for a `datetime-local` input's value, read in local time. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value.length === 16 ? `${value}:00` : value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies
 * (black is left for text).
 */
export const OKABE_ITO = [
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#009E73', // bluish green
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#F0E442', // yellow
];
