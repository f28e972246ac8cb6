/**
 * Regions: ISO 3166-2 codes, from the gazetteer's own tables for UA, RU and BY (with English
 * names and common spellings) and, for other countries, any well-formed code of a real country.
 */
import { isCountry } from './parties';
import { MAX_INPUT_LENGTH, editDistance, fuzzyKey, looseKey, quote, tolerance } from './normalise';
import { type SubdivisionEntry, acceptedNames } from './subdivision';
import { BY_SUBDIVISIONS } from './subdivisions.by';
import { RU_SUBDIVISIONS } from './subdivisions.ru';
import { UA_SUBDIVISIONS } from './subdivisions.ua';

/** An ISO 3166-2 region, with its English name and its country's ISO 3166-1 alpha-2 code. */
export interface Region {
  /** Canonical ISO 3166-2 code, e.g. `UA-30`. */
  code: string;
  /** English name, e.g. `Kyiv`; for a code outside the gazetteer's tables, the code itself. */
  name: string;
  /** ISO 3166-1 alpha-2 code of the country, e.g. `UA`. */
  country: string;
}

/** The outcome of {@link resolveRegion}: the region, or why not and perhaps what was meant. */
export type RegionLookup =
  { ok: true; region: Region } | { ok: false; message: string; suggestion?: Region };

/** Countries whose every subdivision the gazetteer lists: a code not in its table is unknown. */
const LISTED_COUNTRIES: ReadonlySet<string> = new Set(['UA', 'RU', 'BY']);

/** A syntactically valid ISO 3166-2 code, upper case: country, hyphen, 1–3 letters or digits. */
const CODE_SHAPE = /^([A-Z]{2})-[A-Z0-9]{1,3}$/;

/** A key a misspelt input is compared with. */
interface Candidate {
  /** A loose or fuzzy key of an accepted name. */
  key: string;
  /** Whether the name carries an area word (`Kyiv oblast`), as opposed to the bare `Kyiv`. */
  typed: boolean;
  region: Region;
}

const BY_CODE = new Map<string, Region>();
const BY_NAME = new Map<string, Region>();
/** Loose keys of the accepted names. */
const LOOSE_CANDIDATES: Candidate[] = [];
/** Distinct fuzzy keys of the accepted names (`kharkiv` stands for `Kharkiv oblast`, …). */
const FUZZY_CANDIDATES = new Map<string, Candidate>();

function addEntry(entry: SubdivisionEntry): void {
  const region: Region = Object.freeze({
    code: entry.code,
    name: entry.name,
    country: entry.code.slice(0, 2),
  });
  if (BY_CODE.has(region.code)) throw new Error(`gazetteer: ${region.code} listed twice`);
  BY_CODE.set(region.code, region);
  for (const name of acceptedNames(entry)) {
    const key = looseKey(name);
    const known = BY_NAME.get(key);
    if (known === region) continue;
    if (known !== undefined) {
      throw new Error(`gazetteer: "${name}" names both ${known.code} and ${region.code}`);
    }
    BY_NAME.set(key, region);
    const fuzzy = fuzzyKey(name);
    LOOSE_CANDIDATES.push({ key, typed: fuzzy.typed, region });
    const id = `${fuzzy.key} ${region.code} ${fuzzy.typed}`;
    if (!FUZZY_CANDIDATES.has(id)) FUZZY_CANDIDATES.set(id, { ...fuzzy, region });
  }
}

for (const entry of [...UA_SUBDIVISIONS, ...RU_SUBDIVISIONS, ...BY_SUBDIVISIONS]) addEntry(entry);

/**
 * The region of a canonical ISO 3166-2 code (exact, upper case): an entry of the UA, RU or BY
 * table, or, for another country, any well-formed code (`PL-14`), named by the code itself.
 */
export function regionByCode(code: string): Region | undefined {
  const listed = BY_CODE.get(code);
  if (listed !== undefined) return listed;
  const country = CODE_SHAPE.exec(code)?.[1];
  if (country === undefined || LISTED_COUNTRIES.has(country) || !isCountry(country)) {
    return undefined;
  }
  return Object.freeze({ code, name: code, country });
}

/**
 * The listed region a misspelt name most likely meant: the closest accepted name within
 * {@link tolerance} edits, compared as typed and again without area words, spaces and hyphens.
 * Among equally close names, one that agrees with the input on carrying an area word wins
 * (`Kiyv` → the city, `Kiyv oblast` → the oblast).
 */
function suggest(input: string): Region | undefined {
  if (input.length > MAX_INPUT_LENGTH || CODE_SHAPE.test(input.toUpperCase())) return undefined;
  const key = looseKey(input);
  const { key: fuzzy, typed } = fuzzyKey(input);
  let best: { region: Region; distance: number; agrees: boolean } | undefined;
  const consider = (probe: string, candidates: Iterable<Candidate>, max: number): void => {
    if (probe === '') return;
    for (const candidate of candidates) {
      // An equally close candidate may still win on agreeing with the input's area word.
      const limit = best === undefined ? max : Math.min(max, best.distance);
      const distance = editDistance(probe, candidate.key, limit);
      if (distance > limit) continue;
      const agrees = candidate.typed === typed;
      if (best === undefined || distance < best.distance || (agrees && !best.agrees)) {
        best = { region: candidate.region, distance, agrees };
      }
    }
  };
  consider(key, LOOSE_CANDIDATES, tolerance(key.length));
  consider(fuzzy, FUZZY_CANDIDATES.values(), tolerance(fuzzy.length));
  return best?.region;
}

/**
 * Resolves a region reference to its ISO 3166-2 region. Accepts a code in any case
 * (`ua-30` → `UA-30`) or an English name or common spelling of a UA, RU or BY subdivision
 * (`Kiev`, `Zaporozhye`, `Belgorod region`, `Kharkiv oblast`), ignoring case, diacritics,
 * apostrophes, surrounding white space and hyphen/space differences; for other countries,
 * any well-formed code of a real country. A code is resolved with one map lookup.
 *
 * Otherwise the message names the input and, if a listed name is close, suggests its code:
 * `unknown region "Zaporizzhia"; did you mean UA-23 (Zaporizhzhia)?`.
 */
export function resolveRegion(input: string): RegionLookup {
  if (typeof input !== 'string') return { ok: false, message: 'region must be a string' };
  const trimmed = input.trim();
  const code = trimmed.toUpperCase();
  const region =
    BY_CODE.get(code) ??
    (trimmed.length <= MAX_INPUT_LENGTH ? BY_NAME.get(looseKey(trimmed)) : undefined) ??
    regionByCode(code);
  if (region !== undefined) return { ok: true, region };
  const suggestion = suggest(trimmed);
  if (suggestion === undefined) return { ok: false, message: `unknown region ${quote(input)}` };
  return {
    ok: false,
    message: `unknown region ${quote(input)}; did you mean ${suggestion.code} (${suggestion.name})?`,
    suggestion,
  };
}

/** Why a value is not a known region (code or common name), or undefined when it is. */
export function regionProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a region code or name';
  const lookup = resolveRegion(value);
  return lookup.ok ? undefined : lookup.message;
}
