/**
 * String keys and edit distance used by the gazetteer's lookups and suggestions.
 * Internal to the gazetteer: not exported from its index.
 */

/** Longest input the gazetteer will compute suggestions for or quote in full. */
export const MAX_INPUT_LENGTH = 100;

const APOSTROPHES = /['’‘ʼʹ`´]/g;
const COMBINING_MARKS = /\p{M}+/gu;
const NON_ALPHANUMERIC = /[^\p{L}\p{N}]+/gu;

/**
 * The key a name is accepted under: diacritics and apostrophes removed, lower case, every run
 * of other punctuation or white space turned into one space, trimmed.
 * `"Zaporiz'ka  Oblast'"` and `'zaporizka-oblast'` both give `'zaporizka oblast'`.
 */
export function looseKey(input: string): string {
  return input
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(APOSTROPHES, '')
    .replace(NON_ALPHANUMERIC, ' ')
    .trim();
}

/** Words naming a kind of area; dropped from the ends of a key when looking for a suggestion. */
const AREA_WORDS: ReadonlySet<string> = new Set([
  'oblast',
  'oblasti',
  'oblasts',
  'voblast',
  'voblasts',
  'region',
  'province',
  'krai',
  'kray',
  'territory',
  'republic',
  'respublika',
  'okrug',
  'autonomous',
  'ao',
  'district',
  'governorate',
  'area',
]);

/** Filler words dropped from the ends of a key as well, without marking it as an area. */
const FILLER_WORDS: ReadonlySet<string> = new Set(['the', 'of', 'city', 'federal']);

/** A key for approximate comparison, see {@link fuzzyKey}. */
export interface FuzzyKey {
  /** The loose key without leading/trailing area and filler words, and without spaces. */
  key: string;
  /** Whether an area word (oblast, region, krai…) was dropped: tells an oblast from its city. */
  typed: boolean;
}

/**
 * The key used for suggestions: {@link looseKey}, then area words (`oblast`, `region`, `krai`,
 * `republic`…) and fillers (`the`, `of`, `city`) dropped from both ends, then spaces removed.
 * `'Republic of North Ossetia-Alania'` gives `{ key: 'northossetiaalania', typed: true }`.
 */
export function fuzzyKey(input: string): FuzzyKey {
  const words = looseKey(input).split(' ');
  let typed = false;
  const drop = (word: string | undefined): boolean => {
    if (word === undefined || words.length < 2) return false;
    if (AREA_WORDS.has(word)) {
      typed = true;
      return true;
    }
    return FILLER_WORDS.has(word);
  };
  while (drop(words[0])) words.shift();
  while (drop(words[words.length - 1])) words.pop();
  return { key: words.join(''), typed };
}

/**
 * How many edits a suggestion may be away from an input key of the given length:
 * none below 4 characters, 1 below 6, 2 below 12, 3 from there on.
 */
export function tolerance(length: number): number {
  if (length < 4) return 0;
  if (length < 6) return 1;
  if (length < 12) return 2;
  return 3;
}

/** Rows reused by {@link editDistance}: it runs in a loop over every candidate name. */
let rows = {
  before: new Int32Array(128),
  previous: new Int32Array(128),
  current: new Int32Array(128),
};

/**
 * Damerau-Levenshtein distance (optimal string alignment: insertions, deletions, substitutions
 * and transpositions of adjacent characters), computed only up to `max`: any distance above
 * `max` is returned as `max + 1`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (rows.current.length <= lb) {
    const size = 2 * (lb + 1);
    rows = {
      before: new Int32Array(size),
      previous: new Int32Array(size),
      current: new Int32Array(size),
    };
  }
  let { before, previous, current } = rows;
  for (let j = 0; j <= lb; j++) previous[j] = j;
  for (let i = 1; i <= la; i++) {
    current[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    const caBefore = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = (previous[j - 1] ?? 0) + (ca === cb ? 0 : 1);
      const deletion = (previous[j] ?? 0) + 1;
      if (deletion < d) d = deletion;
      const insertion = (current[j - 1] ?? 0) + 1;
      if (insertion < d) d = insertion;
      if (j > 1 && ca === b.charCodeAt(j - 2) && caBefore === cb) {
        const transposition = (before[j - 2] ?? 0) + 1;
        if (transposition < d) d = transposition;
      }
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  const distance = previous[lb] ?? 0;
  return distance > max ? max + 1 : distance;
}

/** An input as a message quotes it: JSON string syntax, cut to {@link MAX_INPUT_LENGTH}. */
export function quote(input: string): string {
  return JSON.stringify(
    input.length > MAX_INPUT_LENGTH ? `${input.slice(0, MAX_INPUT_LENGTH)}…` : input,
  );
}
