/**
 * Parties: ISO 3166-1 alpha-2 countries (from the `i18n-iso-countries` package) and the blocs.
 */
// The package's main entry registers all of its ~80 locales; its plain index plus the English
// names is all the gazetteer needs.
import * as isoCountries from 'i18n-iso-countries/index';
import english from 'i18n-iso-countries/langs/en.json';
import { MAX_INPUT_LENGTH, editDistance, looseKey, quote, tolerance } from './normalise';

/** The blocs a party may be, besides a country. */
export const BLOCS: readonly string[] = Object.freeze(['EU', 'G7', 'G20', 'NATO', 'UN']);

const BLOC_NAMES: Readonly<Record<string, readonly string[]>> = {
  EU: ['European Union'],
  G7: ['Group of Seven', 'Group of 7'],
  G20: ['Group of Twenty', 'Group of 20'],
  NATO: ['North Atlantic Treaty Organization', 'North Atlantic Treaty Organisation', 'OTAN'],
  UN: ['United Nations', 'United Nations Organization', 'UNO'],
};

/**
 * Codes the package lists that are not in ISO 3166-1: `XK` (Kosovo) is a user-assigned code.
 */
const NOT_ISO_3166_1: ReadonlySet<string> = new Set(['XK']);

/** Short English names used in messages where the package's first name is a formal or inverted one. */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  BN: 'Brunei',
  CN: 'China',
  CZ: 'Czechia',
  FK: 'Falkland Islands',
  FM: 'Micronesia',
  IR: 'Iran',
  LA: 'Laos',
  MD: 'Moldova',
  MK: 'North Macedonia',
  PS: 'Palestine',
  RU: 'Russia',
  SY: 'Syria',
  TW: 'Taiwan',
  TZ: 'Tanzania',
  US: 'United States',
  VA: 'Vatican City',
  VG: 'British Virgin Islands',
  VI: 'United States Virgin Islands',
};

/** Further names a suggestion is made from (never accepted as a party). */
const EXTRA_NAMES: Readonly<Record<string, readonly string[]>> = {
  BY: ['Belorussia', 'Byelorussia'],
  CV: ['Cabo Verde'],
  GB: ['Britain'],
  KP: ["Democratic People's Republic of Korea", 'DPRK'],
  MK: ['Macedonia'],
  MM: ['Burma'],
  SZ: ['Swaziland'],
  TL: ['East Timor'],
  UA: ['The Ukraine'],
  VA: ['Vatican'],
  VN: ['Viet Nam'],
};

const englishNames: Readonly<Record<string, string | readonly string[]>> = english.countries;

/** ISO 3166-1 alpha-2 codes. */
const COUNTRIES: ReadonlySet<string> = new Set(
  Object.keys(isoCountries.getAlpha2Codes()).filter((code) => !NOT_ISO_3166_1.has(code)),
);

/** Every party code: the countries and the blocs. */
const PARTIES: ReadonlySet<string> = new Set([...COUNTRIES, ...BLOCS]);

function namesOf(code: string): readonly string[] {
  const listed = englishNames[code];
  return typeof listed === 'string' ? [listed] : (listed ?? []);
}

/** Party code → English name. */
const PARTY_NAMES: ReadonlyMap<string, string> = new Map([
  ...[...COUNTRIES].map((code): [string, string] => [
    code,
    DISPLAY_NAMES[code] ?? namesOf(code)[0] ?? code,
  ]),
  ['EU', 'European Union'],
  ['G7', 'Group of Seven'],
  ['G20', 'Group of Twenty'],
  ['NATO', 'North Atlantic Treaty Organization'],
  ['UN', 'United Nations'],
]);

/** Loose key of a name → its party code, or null where the name fits two (`Congo`). */
const BY_NAME: ReadonlyMap<string, string | null> = (() => {
  const index = new Map<string, string | null>();
  const add = (code: string, names: readonly string[]): void => {
    for (const name of names) {
      const key = looseKey(name);
      const known = index.get(key);
      index.set(key, known === undefined || known === code ? code : null);
    }
  };
  for (const code of COUNTRIES) {
    add(code, [...namesOf(code), ...(EXTRA_NAMES[code] ?? []), DISPLAY_NAMES[code] ?? code]);
  }
  for (const bloc of BLOCS) add(bloc, BLOC_NAMES[bloc] ?? []);
  return index;
})();

/** Names long enough to be compared approximately, with their unambiguous code. */
const FUZZY_NAMES: readonly { key: string; code: string }[] = [...BY_NAME]
  .filter((entry): entry is [string, string] => entry[1] !== null && entry[0].length >= 4)
  .map(([key, code]) => ({ key, code }));

/** Whether `code` is a party: an ISO 3166-1 alpha-2 code or a bloc, exactly (upper case). */
export function isParty(code: string): boolean {
  return PARTIES.has(code);
}

/** Whether `code` is an ISO 3166-1 alpha-2 country code, exactly (upper case). */
export function isCountry(code: string): boolean {
  return COUNTRIES.has(code);
}

/** The English name of a party code (`'UA'` → `'Ukraine'`, `'G7'` → `'Group of Seven'`). */
export function partyName(code: string): string | undefined {
  return PARTY_NAMES.get(code);
}

/**
 * The code that an invalid party or country input most likely meant: the input in upper case,
 * an alpha-3 code, a country or bloc name, or a name within a few edits of one.
 */
function suggestCode(input: string, allowed: (code: string) => boolean): string | undefined {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > MAX_INPUT_LENGTH) return undefined;
  const upper = trimmed.toUpperCase();
  if (allowed(upper)) return upper;
  if (/^[A-Z]{3}$/.test(upper)) {
    const alpha2 = isoCountries.alpha3ToAlpha2(upper);
    if (alpha2 !== undefined && allowed(alpha2)) return alpha2;
  }
  const key = looseKey(trimmed);
  const named = BY_NAME.get(key);
  if (named && allowed(named)) return named;
  const max = tolerance(key.length);
  if (max === 0) return undefined;
  let best: { code: string; distance: number } | undefined;
  for (const candidate of FUZZY_NAMES) {
    if (!allowed(candidate.code)) continue;
    const limit = best ? best.distance - 1 : max;
    if (limit < 0) break;
    const distance = editDistance(key, candidate.key, limit);
    if (distance <= limit) best = { code: candidate.code, distance };
  }
  return best?.code;
}

function unknown(kind: string, input: string, suggestion: string | undefined): string {
  const guess =
    suggestion === undefined ? '' : `; did you mean ${suggestion} (${partyName(suggestion)})?`;
  return `unknown ${kind} ${quote(input)}${guess}`;
}

/**
 * Why `input` is not a valid party, or `undefined` if it is one. The message suggests a code
 * where one is close: `unknown party "ua"; did you mean UA (Ukraine)?`,
 * `unknown party "Russia"; did you mean RU (Russia)?`.
 */
export function partyProblem(input: unknown): string | undefined {
  if (typeof input !== 'string') return 'party must be a string';
  if (PARTIES.has(input)) return undefined;
  return unknown('party', input, suggestCode(input, isParty));
}

/**
 * Why `input` is not a valid `location.country` (an ISO 3166-1 alpha-2 code, not a bloc), or
 * `undefined` if it is one: `G7 is a bloc, not a country`,
 * `unknown country "Ukraine"; did you mean UA (Ukraine)?`.
 */
export function countryProblem(input: unknown): string | undefined {
  if (typeof input !== 'string') return 'country must be a string';
  if (COUNTRIES.has(input)) return undefined;
  if (PARTIES.has(input)) return `${input} is a bloc, not a country`;
  return unknown('country', input, suggestCode(input, isCountry));
}
