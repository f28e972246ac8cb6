/**
 * Calendar arithmetic in Europe/Kyiv, the time zone in which the contract reads bare dates.
 *
 * Everything here is pure and synchronous and uses only `Intl` (Node ships full ICU, so the
 * zone's whole history is known: UTC+2 in winter, UTC+3 in summer since 1990, and the Soviet and
 * wartime offsets before). Offsets are looked up per UTC hour and cached, so the functions are
 * cheap enough for hot paths (validation of every command, projection of every event).
 */

/** How precisely an `occurredAt`/`occurredUntil` was given. */
export type OccurredPrecision = 'day' | 'instant';

/** A successfully parsed `occurredAt`/`occurredUntil`. */
export interface ParsedOccurred {
  instant: Date;
  precision: OccurredPrecision;
}

/** What {@link parseOccurred} and {@link parseOccurredUntil} answer. */
export type OccurredParseResult = ParsedOccurred | { error: string };

/** The general message for a value that is neither a date nor a date-time with an offset. */
export const OCCURRED_FORMAT_ERROR = 'must be a date (YYYY-MM-DD) or a date-time with an offset';

/** The first and last years accepted in `occurredAt`/`occurredUntil`. */
export const OCCURRED_MIN_YEAR = 1900;
export const OCCURRED_MAX_YEAR = 2100;

const ZONE = 'Europe/Kyiv';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The largest offset accepted in a date-time (as java.time and most parsers do). */
const MAX_OFFSET_MINUTES = 18 * 60;
/** Longer inputs cannot be either form; rejecting them early keeps parsing cheap. */
const MAX_INPUT_LENGTH = 64;

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

function createFormatter(): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = {
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  };
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: ZONE });
  } catch {
    // An ICU older than tzdata 2022b knows the zone only by its former name.
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'Europe/Kiev' });
  }
}

/** Built once: constructing a DateTimeFormat costs far more than using one. */
const formatter = createFormatter();

/**
 * Milliseconds since the epoch of a wall-clock time read as UTC. Unlike `Date.UTC`, years 0..99
 * are taken literally. Fields out of range carry over (day 32 is the next month's first).
 */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0) {
  if (year >= 0 && year < 100) {
    const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
    date.setUTCFullYear(year + date.getUTCFullYear() - 2000);
    return date.getTime();
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** Kyiv's offset from UTC, in milliseconds, at an instant, straight from ICU. */
function rawOffsetAt(ms: number): number {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let beforeChrist = false;
  for (const part of formatter.formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        beforeChrist = part.value === 'BC' || part.value === 'B';
        break;
      default:
        break;
    }
  }
  if (beforeChrist) year = 1 - year;
  return utcMs(year, month, day, hour, minute, second) - Math.floor(ms / SECOND) * SECOND;
}

/**
 * Offsets by UTC hour. An hour is cached only when Kyiv's offset is the same at its first and its
 * last millisecond; the zone never changed its offset twice within an hour, so the whole hour then
 * has that offset. Hours with a transition in them (1924's was at 21:57:56 UTC) are not cached.
 */
const offsetByHour = new Map<number, number>();
const OFFSET_CACHE_LIMIT = 100_000;

/** Kyiv's offset from UTC, in milliseconds, at an instant (e.g. 10_800_000 in summer). */
function offsetAt(ms: number): number {
  const hour = Math.floor(ms / HOUR);
  const cached = offsetByHour.get(hour);
  if (cached !== undefined) return cached;
  const first = rawOffsetAt(hour * HOUR);
  const last = rawOffsetAt(hour * HOUR + HOUR - 1);
  if (first !== last) return rawOffsetAt(ms);
  if (offsetByHour.size >= OFFSET_CACHE_LIMIT) offsetByHour.clear();
  offsetByHour.set(hour, first);
  return first;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

interface DateFields {
  year: number;
  month: number;
  day: number;
}

/** The fields of a `YYYY-MM-DD` that names a real day, else undefined. */
function readCalendarDate(s: string): DateFields | undefined {
  const match = CALENDAR_DATE.exec(s);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** 00:00 Kyiv of a day given by its fields, as epoch milliseconds. See {@link kyivMidnight}. */
function midnightMs({ year, month, day }: DateFields): number {
  const local = utcMs(year, month, day);
  const before = offsetAt(local - DAY);
  const after = offsetAt(local + DAY);
  if (before === after) return local - before;
  // A transition within a day of this midnight: midnight may occur twice (take the first) or,
  // where clocks jumped over it, not at all (the day then starts at the jump).
  const candidates = [local - before, local - after]
    .filter((ms) => offsetAt(ms) === local - ms)
    .sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  let low = local - after; // still before the jump: its offset is `before`
  let high = local - before; // at or after the jump
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (offsetAt(mid) === before) low = mid;
    else high = mid;
  }
  return high;
}

function nextDay({ year, month, day }: DateFields): DateFields {
  if (day < daysInMonth(year, month)) return { year, month, day: day + 1 };
  if (month < 12) return { year, month: month + 1, day: 1 };
  return { year: year + 1, month: 1, day: 1 };
}

function requireCalendarDate(date: string): DateFields {
  const fields = typeof date === 'string' ? readCalendarDate(date) : undefined;
  if (!fields) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${String(date)}`);
  return fields;
}

/** The Kyiv wall-clock fields of an instant. */
function kyivFields(instant: Date): DateFields {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid time value');
  const local = new Date(ms + offsetAt(ms));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/**
 * Whether a string is a calendar date `YYYY-MM-DD` that exists (`2024-02-29` yes, `2025-02-30`
 * no). Any four-digit year is accepted: this checks the form of a date filter, not the range that
 * {@link parseOccurred} accepts for incidents.
 */
export function isCalendarDate(s: string): boolean {
  return typeof s === 'string' && readCalendarDate(s) !== undefined;
}

/**
 * 00:00 Europe/Kyiv of a calendar date, as an instant: `2025-01-15` → `2025-01-14T22:00:00.000Z`
 * (winter, UTC+2), `2025-07-15` → `2025-07-14T21:00:00.000Z` (summer, UTC+3). Follows the zone's
 * rules on every day, including those when clocks change; on the rare historical days whose
 * midnight was skipped, answers the first instant of the day.
 *
 * @throws RangeError when `date` is not a calendar date (see {@link isCalendarDate}).
 */
export function kyivMidnight(date: string): Date {
  return new Date(midnightMs(requireCalendarDate(date)));
}

/**
 * The calendar date `YYYY-MM-DD` in Europe/Kyiv at an instant:
 * `2025-05-23T21:30:00Z` → `2025-05-24`.
 *
 * @throws RangeError when the Date is invalid.
 */
export function kyivDate(instant: Date): string {
  const { year, month, day } = kyivFields(instant);
  return formatDate(year, month, day);
}

/**
 * The month `YYYY-MM` in Europe/Kyiv at an instant (the key of the tallies' `month` grouping):
 * `2025-05-31T21:30:00Z` → `2025-06`.
 *
 * @throws RangeError when the Date is invalid.
 */
export function kyivMonth(instant: Date): string {
  const { year, month } = kyivFields(instant);
  return `${pad(year, 4)}-${pad(month, 2)}`;
}

/**
 * The instants bounding an inclusive range of Kyiv calendar dates, for `from`/`to` filters:
 * `start` is 00:00 Kyiv of `from` (inclusive), `end` is 00:00 Kyiv of the day after `to`
 * (exclusive). A bound not given is left out of the answer.
 *
 * @throws RangeError when a given bound is not a calendar date (see {@link isCalendarDate}).
 */
export function kyivDayRange(from?: string, to?: string): { start?: Date; end?: Date } {
  const range: { start?: Date; end?: Date } = {};
  if (from !== undefined) range.start = new Date(midnightMs(requireCalendarDate(from)));
  if (to !== undefined) range.end = new Date(midnightMs(nextDay(requireCalendarDate(to))));
  return range;
}

type ParsedInput = { kind: 'date'; fields: DateFields } | { kind: 'instant'; ms: number };

function parseInput(input: unknown): ParsedInput | { error: string } {
  if (typeof input !== 'string') return { error: OCCURRED_FORMAT_ERROR };
  const s = input.trim();
  if (s.length > MAX_INPUT_LENGTH) return { error: OCCURRED_FORMAT_ERROR };

  const dateMatch = CALENDAR_DATE.exec(s);
  const timeMatch = dateMatch ? undefined : DATE_TIME.exec(s);
  const match = dateMatch ?? timeMatch;
  if (!match) return { error: OCCURRED_FORMAT_ERROR };

  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < OCCURRED_MIN_YEAR || year > OCCURRED_MAX_YEAR) {
    return { error: `must be in the years ${OCCURRED_MIN_YEAR} to ${OCCURRED_MAX_YEAR}` };
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { error: 'must be a real calendar date' };
  }
  if (!timeMatch) return { kind: 'date', fields: { year, month, day } };

  const hour = Number(timeMatch[4]);
  const minute = Number(timeMatch[5]);
  const second = Number(timeMatch[6] ?? '0');
  // Truncated to the millisecond, so 23:59:59.9999 stays in its day.
  const ms = Number((timeMatch[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (hour > 23 || minute > 59 || second > 59) {
    return { error: 'must have a valid time of day (00:00 to 23:59:59)' };
  }
  let offsetMinutes = 0;
  if (timeMatch[8] === undefined) {
    const sign = timeMatch[9];
    if (sign === undefined) {
      return { error: 'must have an offset (Z or ±HH:MM) when it gives a time of day' };
    }
    const offsetHours = Number(timeMatch[10]);
    const offsetMins = Number(timeMatch[11]);
    offsetMinutes = offsetHours * 60 + offsetMins;
    if (offsetMins > 59 || offsetMinutes > MAX_OFFSET_MINUTES) {
      return { error: 'must have an offset from -18:00 to +18:00' };
    }
    if (sign === '-') offsetMinutes = -offsetMinutes;
  }
  return {
    kind: 'instant',
    ms: utcMs(year, month, day, hour, minute, second, ms) - offsetMinutes * MINUTE,
  };
}

/**
 * Parses an `occurredAt`: a calendar date `YYYY-MM-DD` (a real one) is 00:00 Europe/Kyiv of that
 * day with precision `day`; an ISO 8601 date-time with an offset (`Z` or `±HH:MM`; seconds and
 * fractional seconds optional, e.g. `2025-05-24T03:00:00+03:00`, `2025-05-24T00:00Z`) is that
 * instant with precision `instant`. Years must be 1900..2100. Surrounding whitespace is ignored.
 *
 * Never throws: anything else answers `{ error }`, a message to put after the field's name
 * (`must be a date (YYYY-MM-DD) or a date-time with an offset`, or a more specific one such as
 * `must be a real calendar date`).
 */
export function parseOccurred(input: string): OccurredParseResult {
  const parsed = parseInput(input);
  if ('error' in parsed) return parsed;
  if (parsed.kind === 'instant') return { instant: new Date(parsed.ms), precision: 'instant' };
  return { instant: new Date(midnightMs(parsed.fields)), precision: 'day' };
}

/**
 * Parses an `occurredUntil`: as {@link parseOccurred}, except that a calendar date means the end
 * of that Kyiv day, represented as the last millisecond before the next day's 00:00 Kyiv
 * (`2025-05-24` → `2025-05-24T20:59:59.999Z`).
 */
export function parseOccurredUntil(input: string): OccurredParseResult {
  const parsed = parseInput(input);
  if ('error' in parsed) return parsed;
  if (parsed.kind === 'instant') return { instant: new Date(parsed.ms), precision: 'instant' };
  return { instant: new Date(midnightMs(nextDay(parsed.fields)) - 1), precision: 'day' };
}
