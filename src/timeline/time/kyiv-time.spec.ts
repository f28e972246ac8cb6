import fc from 'fast-check';
import {
  isCalendarDate,
  kyivDate,
  kyivDayRange,
  kyivMidnight,
  kyivMonth,
  OCCURRED_FORMAT_ERROR,
  parseOccurred,
  parseOccurredUntil,
  type OccurredParseResult,
} from '.';

const HOUR = 3_600_000;

function iso(result: OccurredParseResult): { instant: string; precision: string } | string {
  return 'error' in result
    ? result.error
    : { instant: result.instant.toISOString(), precision: result.precision };
}

/** Every calendar date from `from` to `to`, inclusive, counted in UTC (independent of the code). */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let ms = Date.parse(from); ms <= Date.parse(to); ms += 24 * HOUR) {
    dates.push(new Date(ms).toISOString().slice(0, 10));
  }
  return dates;
}

describe('isCalendarDate', () => {
  it.each(['2025-05-24', '2024-02-29', '2000-02-29', '1900-01-01', '2100-12-31', '0001-01-01'])(
    'accepts %s',
    (s) => expect(isCalendarDate(s)).toBe(true),
  );

  it.each([
    '2025-02-30',
    '2025-02-29',
    '1900-02-29',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-05-00',
    '2025-5-24',
    '25-05-24',
    '2025/05/24',
    '2025-05-24T00:00Z',
    ' 2025-05-24',
    '',
    'yesterday',
  ])('rejects %j', (s) => expect(isCalendarDate(s)).toBe(false));
});

describe('kyivMidnight', () => {
  it('is 22:00 UTC the day before in winter (UTC+2)', () => {
    expect(kyivMidnight('2025-01-15').toISOString()).toBe('2025-01-14T22:00:00.000Z');
    expect(kyivMidnight('2025-12-31').toISOString()).toBe('2025-12-30T22:00:00.000Z');
  });

  it('is 21:00 UTC the day before in summer (UTC+3)', () => {
    expect(kyivMidnight('2025-05-24').toISOString()).toBe('2025-05-23T21:00:00.000Z');
    expect(kyivMidnight('2025-07-15').toISOString()).toBe('2025-07-14T21:00:00.000Z');
  });

  it('handles the day summer time starts (2025-03-30: a 23-hour day)', () => {
    expect(kyivMidnight('2025-03-30').toISOString()).toBe('2025-03-29T22:00:00.000Z');
    expect(kyivMidnight('2025-03-31').toISOString()).toBe('2025-03-30T21:00:00.000Z');
    expect(kyivMidnight('2025-03-31').getTime() - kyivMidnight('2025-03-30').getTime()).toBe(
      23 * HOUR,
    );
  });

  it('handles the day summer time ends (2025-10-26: a 25-hour day)', () => {
    expect(kyivMidnight('2025-10-26').toISOString()).toBe('2025-10-25T21:00:00.000Z');
    expect(kyivMidnight('2025-10-27').toISOString()).toBe('2025-10-26T22:00:00.000Z');
    expect(kyivMidnight('2025-10-27').getTime() - kyivMidnight('2025-10-26').getTime()).toBe(
      25 * HOUR,
    );
  });

  it('handles a leap day', () => {
    expect(kyivMidnight('2024-02-29').toISOString()).toBe('2024-02-28T22:00:00.000Z');
    expect(kyivMidnight('2024-03-01').toISOString()).toBe('2024-02-29T22:00:00.000Z');
  });

  it('answers the first instant of historical days whose midnight was skipped or repeated', () => {
    // 1930-06-21: clocks went from 00:00 EET straight to 01:00 MSK.
    expect(kyivMidnight('1930-06-21').toISOString()).toBe('1930-06-20T22:00:00.000Z');
    // 1981-04-01: Soviet summer time started at 00:00.
    expect(kyivMidnight('1981-04-01').toISOString()).toBe('1981-03-31T21:00:00.000Z');
    // 1941-09-20: clocks went back two hours at 00:00 (MSK to CEST); midnight happened once.
    expect(kyivMidnight('1941-09-20').toISOString()).toBe('1941-09-19T22:00:00.000Z');
  });

  it.each(['2025-02-30', '2025-5-24', 'garbage', ''])('throws on %j', (s) => {
    expect(() => kyivMidnight(s)).toThrow(RangeError);
  });

  it('round-trips through kyivDate on every day of 2024–2026, days being 23, 24 or 25 hours', () => {
    const days = datesBetween('2024-01-01', '2027-01-01');
    expect(days).toHaveLength(366 + 365 + 365 + 1);
    const lengths = new Map<number, number>();
    for (let i = 0; i < days.length - 1; i++) {
      const day = days[i]!;
      const start = kyivMidnight(day);
      const next = kyivMidnight(days[i + 1]!);
      expect(kyivDate(start)).toBe(day);
      expect(kyivDate(new Date(start.getTime() - 1))).toBe(days[i - 1] ?? '2023-12-31');
      expect(kyivDate(new Date(next.getTime() - 1))).toBe(day);
      const hours = (next.getTime() - start.getTime()) / HOUR;
      lengths.set(hours, (lengths.get(hours) ?? 0) + 1);
    }
    // One spring-forward and one fall-back day a year.
    expect(Object.fromEntries(lengths)).toEqual({ 23: 3, 24: 1096 - 6, 25: 3 });
  });
});

describe('kyivDate and kyivMonth', () => {
  it('gives the Kyiv calendar date, not the UTC one', () => {
    expect(kyivDate(new Date('2025-05-23T20:59:59.999Z'))).toBe('2025-05-23');
    expect(kyivDate(new Date('2025-05-23T21:00:00Z'))).toBe('2025-05-24');
    expect(kyivDate(new Date('2025-01-14T21:59:59.999Z'))).toBe('2025-01-14');
    expect(kyivDate(new Date('2025-01-14T22:00:00Z'))).toBe('2025-01-15');
  });

  it('follows the clock change at 01:00 UTC', () => {
    // 2025-03-30: 03:00 EET becomes 04:00 EEST.
    expect(kyivDate(new Date('2025-03-30T00:59:59.999Z'))).toBe('2025-03-30');
    expect(kyivDate(new Date('2025-03-30T21:00:00Z'))).toBe('2025-03-31');
    expect(kyivDate(new Date('2025-03-30T20:59:59.999Z'))).toBe('2025-03-30');
    // 2025-10-26: 04:00 EEST becomes 03:00 EET.
    expect(kyivDate(new Date('2025-10-26T21:59:59.999Z'))).toBe('2025-10-26');
    expect(kyivDate(new Date('2025-10-26T22:00:00Z'))).toBe('2025-10-27');
  });

  it('gives the Kyiv month', () => {
    expect(kyivMonth(new Date('2025-05-31T20:59:59.999Z'))).toBe('2025-05');
    expect(kyivMonth(new Date('2025-05-31T21:00:00Z'))).toBe('2025-06');
    expect(kyivMonth(new Date('2024-12-31T22:00:00Z'))).toBe('2025-01');
    expect(kyivMonth(new Date('2024-12-31T21:59:59.999Z'))).toBe('2024-12');
  });

  it('throws on an invalid Date', () => {
    expect(() => kyivDate(new Date(NaN))).toThrow(RangeError);
    expect(() => kyivMonth(new Date('nope'))).toThrow(RangeError);
  });

  it('agrees with Intl on random instants of 1900–2100', () => {
    const reference = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Kyiv',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1900-01-01T00:00Z'), max: Date.parse('2100-12-31T00:00Z') }),
        (ms) => {
          const instant = new Date(ms);
          const date = kyivDate(instant);
          expect(date).toBe(reference.format(instant));
          expect(kyivMonth(instant)).toBe(date.slice(0, 7));
          const start = kyivMidnight(date).getTime();
          expect(start).toBeLessThanOrEqual(ms);
          expect(ms - start).toBeLessThan(25 * HOUR);
          expect(kyivDate(new Date(start))).toBe(date);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('kyivDayRange', () => {
  it('bounds an inclusive range of Kyiv dates, end exclusive', () => {
    expect(kyivDayRange('2025-05-24', '2025-05-24')).toEqual({
      start: new Date('2025-05-23T21:00:00Z'),
      end: new Date('2025-05-24T21:00:00Z'),
    });
    expect(kyivDayRange('2025-03-01', '2025-03-31')).toEqual({
      start: new Date('2025-02-28T22:00:00Z'),
      end: new Date('2025-03-31T21:00:00Z'),
    });
    expect(kyivDayRange('2024-12-31', '2024-12-31')).toEqual({
      start: new Date('2024-12-30T22:00:00Z'),
      end: new Date('2024-12-31T22:00:00Z'),
    });
  });

  it('leaves out a bound not given', () => {
    expect(kyivDayRange()).toEqual({});
    expect(kyivDayRange('2025-10-26')).toEqual({ start: new Date('2025-10-25T21:00:00Z') });
    expect(kyivDayRange(undefined, '2025-10-26')).toEqual({
      end: new Date('2025-10-26T22:00:00Z'),
    });
    expect('start' in kyivDayRange(undefined, '2025-10-26')).toBe(false);
  });

  it('throws on a bound that is not a calendar date', () => {
    expect(() => kyivDayRange('2025-02-30')).toThrow(RangeError);
    expect(() => kyivDayRange(undefined, 'soon')).toThrow(RangeError);
  });
});

describe('parseOccurred', () => {
  it.each([
    ['2025-05-24', '2025-05-23T21:00:00.000Z'],
    ['2025-01-15', '2025-01-14T22:00:00.000Z'],
    ['2025-03-30', '2025-03-29T22:00:00.000Z'],
    ['2025-10-26', '2025-10-25T21:00:00.000Z'],
    ['2024-02-29', '2024-02-28T22:00:00.000Z'],
    ['1900-01-01', '1899-12-31T21:57:56.000Z'], // Kyiv mean time, UTC+2:02:04
    [' 2025-05-24 ', '2025-05-23T21:00:00.000Z'],
    ['2025-05-24\n', '2025-05-23T21:00:00.000Z'],
  ])('reads the date %j as 00:00 Kyiv, precision day', (input, expected) => {
    expect(iso(parseOccurred(input))).toEqual({ instant: expected, precision: 'day' });
  });

  it.each([
    ['2025-05-24T03:00:00+03:00', '2025-05-24T00:00:00.000Z'],
    ['2025-05-23T22:00:00+03:00', '2025-05-23T19:00:00.000Z'],
    ['2025-05-24T00:00Z', '2025-05-24T00:00:00.000Z'],
    ['2025-05-24T00:00:00Z', '2025-05-24T00:00:00.000Z'],
    ['2025-05-24T00:00:00.5Z', '2025-05-24T00:00:00.500Z'],
    ['2025-05-24T00:00:00.123456789Z', '2025-05-24T00:00:00.123Z'],
    ['2025-05-24T23:59:59.9999+00:00', '2025-05-24T23:59:59.999Z'],
    ['2025-05-24T10:15-04:30', '2025-05-24T14:45:00.000Z'],
    ['2025-05-24T10:15:00-00:00', '2025-05-24T10:15:00.000Z'],
    ['2025-05-24t10:15:00z', '2025-05-24T10:15:00.000Z'],
    ['2024-02-29T12:00:00+02:00', '2024-02-29T10:00:00.000Z'],
    ['2100-12-31T23:59:59-12:00', '2101-01-01T11:59:59.000Z'],
    ['1900-01-01T00:00:00+14:00', '1899-12-31T10:00:00.000Z'],
  ])('reads the date-time %j as that instant, precision instant', (input, expected) => {
    expect(iso(parseOccurred(input))).toEqual({ instant: expected, precision: 'instant' });
  });

  it.each([
    ['2025-02-30', 'must be a real calendar date'],
    ['2023-02-29', 'must be a real calendar date'],
    ['2025-04-31T10:00Z', 'must be a real calendar date'],
    ['2025-13-01', 'must be a real calendar date'],
    ['1899-12-31', 'must be in the years 1900 to 2100'],
    ['2101-01-01', 'must be in the years 1900 to 2100'],
    ['0000-01-01T00:00Z', 'must be in the years 1900 to 2100'],
    ['2025-05-24T03:00:00', 'must have an offset (Z or ±HH:MM) when it gives a time of day'],
    ['2025-05-24T03:00', 'must have an offset (Z or ±HH:MM) when it gives a time of day'],
    ['2025-05-24T24:00Z', 'must have a valid time of day (00:00 to 23:59:59)'],
    ['2025-05-24T23:60Z', 'must have a valid time of day (00:00 to 23:59:59)'],
    ['2025-05-24T23:59:60Z', 'must have a valid time of day (00:00 to 23:59:59)'],
    ['2025-05-24T03:00+19:00', 'must have an offset from -18:00 to +18:00'],
    ['2025-05-24T03:00+03:60', 'must have an offset from -18:00 to +18:00'],
  ])('rejects %j: %s', (input, message) => {
    expect(parseOccurred(input)).toEqual({ error: message });
  });

  it.each([
    '',
    '   ',
    'garbage',
    'yesterday',
    '2025-5-24',
    '2025/05/24',
    '24.05.2025',
    '20250524',
    '2025-05',
    '2025',
    '2025-05-24T03+03:00',
    '2025-05-24T03:00:00+0300',
    '2025-05-24T03:00:00+03',
    '2025-05-24 03:00:00+03:00',
    '2025-05-24T03:00:00.+03:00',
    '2025-05-24T03:00:00.1234567890Z',
    '2025-05-24T03:00:00 Europe/Kyiv',
    '2025-05-24T03:00:00Z[Europe/Kyiv]',
    '+002025-05-24',
    '2025-05-24\u0000',
    '١٢٣٤-05-24',
    `2025-05-24T03:00:00.123456789${'0'.repeat(60)}Z`,
  ])('rejects %j with the general message', (input) => {
    expect(parseOccurred(input)).toEqual({ error: OCCURRED_FORMAT_ERROR });
  });

  it('rejects values that are not strings, whatever the type says', () => {
    for (const value of [undefined, null, 20250524, {}, ['2025-05-24'], new Date()]) {
      expect(parseOccurred(value as string)).toEqual({ error: OCCURRED_FORMAT_ERROR });
      expect(parseOccurredUntil(value as string)).toEqual({
        error: OCCURRED_FORMAT_ERROR,
      });
    }
  });

  it('answers a fresh Date each time', () => {
    const a = parseOccurred('2025-05-24');
    const b = parseOccurred('2025-05-24');
    if ('error' in a || 'error' in b) throw new Error('expected dates');
    a.instant.setTime(0);
    expect(b.instant.toISOString()).toBe('2025-05-23T21:00:00.000Z');
    expect(kyivMidnight('2025-05-24').toISOString()).toBe('2025-05-23T21:00:00.000Z');
  });
});

describe('parseOccurredUntil', () => {
  it.each([
    ['2025-05-24', '2025-05-24T20:59:59.999Z'],
    ['2025-01-15', '2025-01-15T21:59:59.999Z'],
    ['2025-03-30', '2025-03-30T20:59:59.999Z'],
    ['2025-10-26', '2025-10-26T21:59:59.999Z'],
    ['2024-02-28', '2024-02-28T21:59:59.999Z'],
    ['2024-12-31', '2024-12-31T21:59:59.999Z'],
    ['2100-12-31', '2100-12-31T21:59:59.999Z'],
  ])('reads the date %j as the end of that Kyiv day', (input, expected) => {
    expect(iso(parseOccurredUntil(input))).toEqual({ instant: expected, precision: 'day' });
  });

  it('ends the day just before the next day begins', () => {
    for (const day of datesBetween('2025-01-01', '2025-12-31')) {
      const until = parseOccurredUntil(day);
      if ('error' in until) throw new Error(until.error);
      expect(kyivDate(until.instant)).toBe(day);
      expect(kyivDate(new Date(until.instant.getTime() + 1))).not.toBe(day);
    }
  });

  it('reads a date-time as that instant', () => {
    expect(iso(parseOccurredUntil('2025-05-24T07:00:00+03:00'))).toEqual({
      instant: '2025-05-24T04:00:00.000Z',
      precision: 'instant',
    });
  });

  it('rejects what parseOccurred rejects', () => {
    expect(parseOccurredUntil('2025-02-30')).toEqual({ error: 'must be a real calendar date' });
    expect(parseOccurredUntil('2025-05-24T07:00')).toEqual({
      error: 'must have an offset (Z or ±HH:MM) when it gives a time of day',
    });
    expect(parseOccurredUntil('nope')).toEqual({ error: OCCURRED_FORMAT_ERROR });
  });
});
