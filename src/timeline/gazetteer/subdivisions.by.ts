import type { SubdivisionEntry } from './subdivision';

/**
 * ISO 3166-2:BY: the six voblasts and the city of Minsk — 7 entries. Bare `Minsk` is the city
 * (BY-HM); `Minsk region`/`Minsk oblast` is BY-MI.
 */
export const BY_SUBDIVISIONS: readonly SubdivisionEntry[] = [
  {
    code: 'BY-BR',
    name: 'Brest',
    kind: 'voblast',
    iso: "Brestskaya voblasts'",
    stems: ['Brest', 'Brestskaya'],
  },
  {
    code: 'BY-HM',
    name: 'Minsk',
    kind: 'city',
    iso: 'Horad Minsk',
    stems: ['Minsk'],
    aliases: ['Gorod Minsk'],
  },
  {
    code: 'BY-HO',
    name: 'Gomel',
    kind: 'voblast',
    iso: "Homyel'skaya voblasts'",
    stems: ['Gomel', 'Homel', 'Homiel', 'Homyel', "Homyel'skaya"],
  },
  {
    code: 'BY-HR',
    name: 'Grodno',
    kind: 'voblast',
    iso: "Hrodzyenskaya voblasts'",
    stems: ['Grodno', 'Hrodna', 'Hrodno', 'Hrodzyenskaya'],
  },
  {
    code: 'BY-MA',
    name: 'Mogilev',
    kind: 'voblast',
    iso: "Mahilyowskaya voblasts'",
    stems: ['Mogilev', 'Mogilyov', 'Mahilyow', 'Mahilyou', 'Mahilioŭ', 'Mahilyowskaya'],
  },
  {
    code: 'BY-MI',
    name: 'Minsk Region',
    kind: 'voblast',
    iso: "Minskaya voblasts'",
    stems: ['Minskaya'],
    typedOnly: ['Minsk'],
  },
  {
    code: 'BY-VI',
    name: 'Vitebsk',
    kind: 'voblast',
    iso: "Vitsyebskaya voblasts'",
    stems: ['Vitebsk', 'Viciebsk', 'Vitsebsk', 'Vitsyebsk', 'Vitsyebskaya'],
  },
];
