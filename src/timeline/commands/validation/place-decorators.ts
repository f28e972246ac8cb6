import { ApiProperty } from '@nestjs/swagger';
import { registerDecorator, type ValidationArguments } from 'class-validator';
import { countryProblem, partyProblem, regionProblem } from '../../gazetteer';
import { ListOf, Presence } from './decorators';

function check(name: string, problemOf: (value: unknown) => string | undefined): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => problemOf(value) === undefined,
        defaultMessage: (args: ValidationArguments) => problemOf(args.value) ?? 'is invalid',
      },
    });
  };
}

const PARTY_DESCRIPTION =
  'ISO 3166-1 alpha-2 code, or one of the blocs EU, G7, G20, NATO, UN (upper case)';

/** A party: a country code or a bloc. */
export function Party(optional = false): PropertyDecorator {
  const rule = check('party', partyProblem);
  return (target, key) => {
    ApiProperty({
      type: String,
      description: PARTY_DESCRIPTION,
      example: 'UA',
      required: !optional,
    })(target, key);
    Presence(optional)(target, key);
    rule(target, key);
  };
}

/** A country (not a bloc). */
export function Country(optional = false): PropertyDecorator {
  const rule = check('country', countryProblem);
  return (target, key) => {
    ApiProperty({
      type: String,
      description: 'ISO 3166-1 alpha-2 code',
      example: 'UA',
      required: !optional,
    })(target, key);
    Presence(optional)(target, key);
    rule(target, key);
  };
}

const REGION_DESCRIPTION =
  'ISO 3166-2 code (UA-30) or a common English name (Kyiv, Kiev, Zaporizhia, Belgorod region…); stored as the code';

/** A region: an ISO 3166-2 code or a common name. */
export function Region(optional = false): PropertyDecorator {
  const rule = check('region', regionProblem);
  return (target, key) => {
    ApiProperty({
      type: String,
      description: REGION_DESCRIPTION,
      example: 'UA-30',
      required: !optional,
    })(target, key);
    Presence(optional)(target, key);
    rule(target, key);
  };
}

/** A list of regions. */
export function RegionList(min: number, max: number, optional = false): PropertyDecorator {
  const list = ListOf(min, max, regionProblem, optional);
  return (target, key) => {
    ApiProperty({
      type: [String],
      description: REGION_DESCRIPTION,
      maxItems: max,
      required: !optional,
    })(target, key);
    list(target, key);
  };
}

/** A list of distinct parties. */
export function PartyList(min: number, max: number): PropertyDecorator {
  const list = ListOf(min, max, partyProblem);
  const distinct = check('distinctParties', (value) =>
    Array.isArray(value) && new Set(value).size !== value.length
      ? 'must not name a party twice'
      : undefined,
  );
  return (target, key) => {
    ApiProperty({
      type: [String],
      description: PARTY_DESCRIPTION,
      minItems: min,
      maxItems: max,
      required: true,
    })(target, key);
    list(target, key);
    distinct(target, key);
  };
}
