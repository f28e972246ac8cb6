import {
  BLOCS,
  countryProblem,
  isCountry,
  isParty,
  partyName,
  partyProblem,
  regionByCode,
  resolveRegion,
} from './index';
import { acceptedNames } from './subdivision';
import { BY_SUBDIVISIONS } from './subdivisions.by';
import { RU_SUBDIVISIONS } from './subdivisions.ru';
import { UA_SUBDIVISIONS } from './subdivisions.ua';

/** The code `input` resolves to, or the failure message. */
const codeOf = (input: string): string => {
  const lookup = resolveRegion(input);
  return lookup.ok ? lookup.region.code : lookup.message;
};

describe('regions', () => {
  const UA_CODES =
    '05 07 09 12 14 18 21 23 26 30 32 35 40 43 46 48 51 53 56 59 61 63 65 68 71 74 77'
      .split(' ')
      .map((n) => `UA-${n}`);
  const BY_CODES = ['BR', 'HM', 'HO', 'HR', 'MA', 'MI', 'VI'].map((c) => `BY-${c}`);
  const RU_SAMPLE = ['BEL', 'KRS', 'LIP', 'VOR', 'TVE', 'BRY', 'ROS', 'KDA', 'MOW', 'SPE'];

  it('has tables of 27 UA, 83 RU and 7 BY subdivisions, each accepted under all its names', () => {
    expect(UA_SUBDIVISIONS).toHaveLength(27);
    expect(RU_SUBDIVISIONS).toHaveLength(83);
    expect(BY_SUBDIVISIONS).toHaveLength(7);
    for (const entry of [...UA_SUBDIVISIONS, ...RU_SUBDIVISIONS, ...BY_SUBDIVISIONS]) {
      for (const name of acceptedNames(entry))
        expect([name, codeOf(name)]).toEqual([name, entry.code]);
    }
  });

  it('lists all 27 UA and 7 BY codes and the RU federal subjects', () => {
    expect(UA_CODES).toHaveLength(27);
    for (const code of [...UA_CODES, ...BY_CODES, ...RU_SAMPLE.map((c) => `RU-${c}`)]) {
      expect(regionByCode(code)).toEqual({
        code,
        name: expect.any(String),
        country: code.slice(0, 2),
      });
    }
    expect(regionByCode('UA-30')).toEqual({ code: 'UA-30', name: 'Kyiv', country: 'UA' });
    for (const code of ['UA-99', 'RU-CR', 'RU-SEV', 'BY-XX', 'ua-30']) {
      expect(regionByCode(code)).toBeUndefined();
    }
  });

  const ALIASES: Record<string, string> = {
    Kyiv: 'UA-30',
    Kiev: 'UA-30',
    'Kyiv city': 'UA-30',
    'City of Kiev': 'UA-30',
    'Kyiv oblast': 'UA-32',
    'Kyiv region': 'UA-32',
    'Kiev Oblast': 'UA-32',
    Zaporizhzhia: 'UA-23',
    Zaporizhia: 'UA-23',
    Zaporozhye: 'UA-23',
    'Zaporizhzhia oblast': 'UA-23',
    Kharkiv: 'UA-63',
    Kharkov: 'UA-63',
    'Kharkiv oblast': 'UA-63',
    'Kharkov region': 'UA-63',
    Odesa: 'UA-51',
    Odessa: 'UA-51',
    Mykolaiv: 'UA-48',
    Nikolaev: 'UA-48',
    Luhansk: 'UA-09',
    Lugansk: 'UA-09',
    Dnipropetrovsk: 'UA-12',
    Dnipro: 'UA-12',
    'Dnipropetrovsk oblast': 'UA-12',
    Crimea: 'UA-43',
    Sevastopol: 'UA-40',
    Belgorod: 'RU-BEL',
    'Belgorod region': 'RU-BEL',
    'Belgorod Oblast': 'RU-BEL',
    Kursk: 'RU-KRS',
    Bryansk: 'RU-BRY',
    Voronezh: 'RU-VOR',
    Lipetsk: 'RU-LIP',
    Tver: 'RU-TVE',
    'Rostov oblast': 'RU-ROS',
    Krasnodar: 'RU-KDA',
    'Krasnodar krai': 'RU-KDA',
    Moscow: 'RU-MOW',
    'Moscow oblast': 'RU-MOS',
    Minsk: 'BY-HM',
    'Minsk city': 'BY-HM',
    'Minsk region': 'BY-MI',
    Brest: 'BY-BR',
    Gomel: 'BY-HO',
    Homel: 'BY-HO',
    Grodno: 'BY-HR',
    Hrodna: 'BY-HR',
    Mogilev: 'BY-MA',
    Mahilyow: 'BY-MA',
    Vitebsk: 'BY-VI',
    Viciebsk: 'BY-VI',
  };

  it.each(Object.entries(ALIASES))('resolves %s to %s', (input, code) => {
    expect(codeOf(input)).toBe(code);
  });

  it('ignores case, surrounding space, apostrophes and hyphens; accepts codes in any case', () => {
    expect(codeOf('  KHARKOV  ')).toBe('UA-63');
    expect(codeOf("zaporiz'ka oblast'")).toBe('UA-23');
    expect(codeOf('Ivano Frankivsk')).toBe('UA-26');
    expect(codeOf('ua-30')).toBe('UA-30');
    expect(codeOf(' ru-bel ')).toBe('RU-BEL');
    expect(resolveRegion('Zaporozhye')).toEqual({
      ok: true,
      region: { code: 'UA-23', name: 'Zaporizhzhia', country: 'UA' },
    });
  });

  it('accepts well-formed codes of other real countries only', () => {
    expect(resolveRegion('pl-14')).toEqual({
      ok: true,
      region: { code: 'PL-14', name: 'PL-14', country: 'PL' },
    });
    expect(codeOf('XX-1')).toBe('unknown region "XX-1"');
    expect(codeOf('EU-12')).toBe('unknown region "EU-12"');
    expect(codeOf('UA-99')).toBe('unknown region "UA-99"');
  });

  it.each([
    ['Zaporizzhia', 'UA-23', 'Zaporizhzhia'],
    ['Belgorot', 'RU-BEL', 'Belgorod'],
    ['Kharkovv region', 'UA-63', 'Kharkiv'],
    ['Kiyv', 'UA-30', 'Kyiv'],
    ['Kiyv oblast', 'UA-32', 'Kyiv Oblast'],
    ['Belgorodskaya Governorate', 'RU-BEL', 'Belgorod'],
  ])('suggests a code for %s', (input, code, name) => {
    const lookup = resolveRegion(input);
    expect(lookup).toEqual({
      ok: false,
      message: `unknown region "${input}"; did you mean ${code} (${name})?`,
      suggestion: { code, name, country: code.slice(0, 2) },
    });
  });

  it.each(['Atlantis', 'London', 'qwerty', 'xyz', ''])('suggests nothing for %p', (input) => {
    expect(resolveRegion(input)).toEqual({ ok: false, message: `unknown region "${input}"` });
  });
});

describe('parties and countries', () => {
  it('accepts countries and blocs exactly, in upper case', () => {
    expect(BLOCS).toEqual(['EU', 'G7', 'G20', 'NATO', 'UN']);
    for (const code of ['UA', 'RU', 'BY', 'US', 'TR', ...BLOCS]) expect(isParty(code)).toBe(true);
    for (const code of ['ua', 'Ru', 'XK', 'UKR', 'nato', ' UA']) expect(isParty(code)).toBe(false);
    expect(isCountry('UA')).toBe(true);
    expect(isCountry('G7')).toBe(false);
    expect(partyName('UA')).toBe('Ukraine');
    expect(partyName('RU')).toBe('Russia');
    expect(partyName('G7')).toBe('Group of Seven');
    expect(partyName('ua')).toBeUndefined();
  });

  it('explains invalid parties with a suggestion where one is close', () => {
    expect(partyProblem('UA')).toBeUndefined();
    expect(partyProblem('NATO')).toBeUndefined();
    expect(partyProblem('ua')).toBe('unknown party "ua"; did you mean UA (Ukraine)?');
    expect(partyProblem('Russia')).toBe('unknown party "Russia"; did you mean RU (Russia)?');
    expect(partyProblem('United States')).toBe(
      'unknown party "United States"; did you mean US (United States)?',
    );
    expect(partyProblem('Ukrane')).toBe('unknown party "Ukrane"; did you mean UA (Ukraine)?');
    expect(partyProblem('UKR')).toBe('unknown party "UKR"; did you mean UA (Ukraine)?');
    expect(partyProblem('g7')).toBe('unknown party "g7"; did you mean G7 (Group of Seven)?');
    expect(partyProblem('Atlantis')).toBe('unknown party "Atlantis"');
    expect(partyProblem(7)).toBe('party must be a string');
  });

  it('rejects blocs as countries', () => {
    expect(countryProblem('UA')).toBeUndefined();
    expect(countryProblem('G7')).toBe('G7 is a bloc, not a country');
    expect(countryProblem('EU')).toBe('EU is a bloc, not a country');
    expect(countryProblem('nato')).toBe('unknown country "nato"');
    expect(countryProblem('Ukraine')).toBe('unknown country "Ukraine"; did you mean UA (Ukraine)?');
  });
});
