/**
 * The gazetteer: checks and normalises party, country and region references in commands.
 *
 * - Parties are ISO 3166-1 alpha-2 codes or the blocs `EU`, `G7`, `G20`, `NATO`, `UN`, matched
 *   exactly (upper case). Countries (`location.country`) are ISO 3166-1 alpha-2 codes only.
 *   The country list comes from the `i18n-iso-countries` package (without its user-assigned `XK`).
 * - Regions are ISO 3166-2 codes. Every first-level subdivision of UA, RU and BY is listed here
 *   with its English name and common spellings, which are accepted and resolved to the code.
 *   For other countries no maintained package gives the ISO 3166-2 code list in a form this
 *   CommonJS service can load, so any well-formed code (`XX-` and 1–3 letters or digits) of a
 *   real country is accepted, and named by the code itself.
 */
export { BLOCS, countryProblem, isCountry, isParty, partyName, partyProblem } from './parties';
export {
  type Region,
  type RegionLookup,
  regionByCode,
  regionProblem,
  resolveRegion,
} from './regions';
