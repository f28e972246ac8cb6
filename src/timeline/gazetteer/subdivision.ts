/** The shape of the gazetteer's own subdivision tables (UA, RU, BY). */

/** What kind of first-level subdivision an entry is: decides the type words its stems take. */
export type SubdivisionKind =
  'city' | 'oblast' | 'voblast' | 'krai' | 'republic' | 'okrug' | 'autonomous-oblast';

/** One ISO 3166-2 first-level subdivision with the English names the service accepts for it. */
export interface SubdivisionEntry {
  /** ISO 3166-2 code, e.g. `UA-23`. */
  code: string;
  /** English name used in messages, e.g. `Zaporizhzhia`. Also accepted. */
  name: string;
  kind: SubdivisionKind;
  /** The ISO 3166-2 subdivision name (romanised local form), e.g. `Zaporizka oblast`. Also accepted. */
  iso: string;
  /** Names accepted alone and with the kind's type words: `Kharkov`, `Kharkov oblast`, `Kharkov region`. */
  stems?: readonly string[];
  /** Names accepted only with a type word, because alone they name the city: `Kyiv` for `Kyiv oblast`. */
  typedOnly?: readonly string[];
  /** Further names, accepted as they are. */
  aliases?: readonly string[];
}

/** The type words each kind of subdivision accepts after (or, for `prefixes`, before) a stem. */
export const TYPE_WORDS: Readonly<
  Record<SubdivisionKind, { suffixes: readonly string[]; prefixes: readonly string[] }>
> = {
  city: { suffixes: ['city', 'federal city'], prefixes: ['city of'] },
  oblast: { suffixes: ['oblast', 'region', 'province'], prefixes: [] },
  voblast: { suffixes: ['voblast', 'voblasts', 'oblast', 'region', 'province'], prefixes: [] },
  krai: { suffixes: ['krai', 'kray', 'territory', 'region'], prefixes: [] },
  republic: { suffixes: ['republic'], prefixes: ['republic of'] },
  okrug: {
    suffixes: ['autonomous okrug', 'okrug', 'ao', 'autonomous district', 'region'],
    prefixes: [],
  },
  'autonomous-oblast': { suffixes: ['autonomous oblast', 'autonomous region', 'ao'], prefixes: [] },
};

/** Every name an entry is accepted under, before normalisation. */
export function acceptedNames(entry: SubdivisionEntry): string[] {
  const { suffixes, prefixes } = TYPE_WORDS[entry.kind];
  const typed = (stem: string): string[] => [
    ...suffixes.map((word) => `${stem} ${word}`),
    ...prefixes.map((word) => `${word} ${stem}`),
  ];
  const stems = entry.stems ?? [];
  return [
    entry.name,
    entry.iso,
    ...(entry.aliases ?? []),
    ...stems,
    ...stems.flatMap(typed),
    ...(entry.typedOnly ?? []).flatMap(typed),
  ];
}
