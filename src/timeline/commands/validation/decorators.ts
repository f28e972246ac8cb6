import {
  IsDefined,
  IsInt,
  IsOptional,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { parseOccurred } from '../../time';

// Custom constraints report the failing item of a list as a leading "[n] " in their message;
// flattenValidationErrors moves it into the path (tags[3]), since class-validator cannot.

// The contract forbids control characters other than tab, CR and LF: matching them is the point.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

/** Length in Unicode code points. */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Why a value is not acceptable text of min..max code points, or undefined when it is. */
export function textProblem(value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (CONTROL_CHARACTERS.test(value))
    return 'must not contain control characters other than tab, CR and LF';
  const length = codePointLength(value);
  if (length < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
  if (length > max) return `must be at most ${max} characters`;
  return undefined;
}

function constraint(
  name: string,
  problemOf: (value: unknown, args: ValidationArguments) => string | undefined,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      ...(options ? { options } : {}),
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          problemOf(value, args) === undefined,
        defaultMessage: (args: ValidationArguments) => problemOf(args.value, args) ?? 'is invalid',
      },
    });
  };
}

/** Documents a field in the OpenAPI schema. */
function doc(options: ApiPropertyOptions & { required: boolean }): PropertyDecorator {
  return ApiProperty(options);
}

/** Marks a field required (message "is required") or optional (absent is fine; null is not). */
export function Presence(optional: boolean): PropertyDecorator {
  if (!optional) return IsDefined({ message: 'is required' });
  return ValidateIf((_object, value: unknown) => value !== undefined);
}

/** A string of min..max code points, without control characters. */
export function Text(min: number, max: number, optional = false): PropertyDecorator {
  const check = constraint('text', (value) => textProblem(value, min, max));
  return (target, key) => {
    doc({ type: String, minLength: min, maxLength: max, required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** An integer from 0 to 1,000,000 (a count of people, weapons…). Strings such as "10" fail. */
export function Count(optional = false, min = 0): PropertyDecorator {
  const message = `must be an integer from ${min} to 1000000`;
  return (target, key) => {
    doc({ type: 'integer', minimum: min, maximum: 1_000_000, required: !optional })(target, key);
    Presence(optional)(target, key);
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(1_000_000, { message })(target, key);
  };
}

/** A plain integer >= 0 (an expected stream version). */
export function NonNegativeInteger(optional = false): PropertyDecorator {
  return (target, key) => {
    doc({ type: 'integer', minimum: 0, required: !optional })(target, key);
    Presence(optional)(target, key);
    IsInt({ message: 'must be an integer >= 0' })(target, key);
    Min(0, { message: 'must be an integer >= 0' })(target, key);
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical textual form (any version). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A UUID. */
export function Uuid(optional = false): PropertyDecorator {
  const check = constraint('uuid', (value) => (isUuid(value) ? undefined : 'must be a UUID'));
  return (target, key) => {
    doc({ type: String, format: 'uuid', required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** A date (YYYY-MM-DD, Europe/Kyiv) or a date-time with an offset. */
export function Occurred(optional = false): PropertyDecorator {
  const check = constraint('occurred', (value) => {
    if (typeof value !== 'string')
      return 'must be a date (YYYY-MM-DD) or a date-time with an offset';
    const parsed = parseOccurred(value);
    return 'error' in parsed ? parsed.error : undefined;
  });
  return (target, key) => {
    doc({
      type: String,
      description: 'A date (YYYY-MM-DD, a day in Europe/Kyiv) or a date-time with an offset',
      example: '2025-05-24',
      required: !optional,
    })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date-time with an offset. */
export function DateTime(optional = false): PropertyDecorator {
  const check = constraint('dateTime', (value) =>
    // parseOccurred also checks that the day and the time of day exist (Date.parse does not).
    typeof value === 'string' && DATE_TIME.test(value) && !('error' in parseOccurred(value))
      ? undefined
      : 'must be a date-time with an offset (e.g. 2025-05-24T03:00:00+03:00)',
  );
  return (target, key) => {
    doc({ type: String, format: 'date-time', required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** An http(s) URL of at most 2,000 characters. */
export function HttpUrl(optional = false): PropertyDecorator {
  const check = constraint('httpUrl', (value) => {
    if (typeof value !== 'string' || value.length > 2000) return 'must be an http(s) URL';
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:'
        ? undefined
        : 'must be an http(s) URL';
    } catch {
      return 'must be an http(s) URL';
    }
  });
  return (target, key) => {
    doc({ type: String, format: 'uri', maxLength: 2000, required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** A number in [min, max]. */
export function NumberIn(min: number, max: number, optional = false): PropertyDecorator {
  const check = constraint('numberIn', (value) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
      ? undefined
      : `must be a number from ${min} to ${max}`,
  );
  return (target, key) => {
    doc({ type: Number, minimum: min, maximum: max, required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** One of the listed strings. */
export function OneOf(values: readonly string[], optional = false): PropertyDecorator {
  const check = constraint('oneOf', (value) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : `must be one of ${values.join(', ')}`,
  );
  return (target, key) => {
    doc({ type: String, enum: [...values], required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** A boolean. */
export function Bool(optional = false): PropertyDecorator {
  const check = constraint('bool', (value) =>
    typeof value === 'boolean' ? undefined : 'must be true or false',
  );
  return (target, key) => {
    doc({ type: Boolean, required: !optional })(target, key);
    Presence(optional)(target, key);
    check(target, key);
  };
}

/**
 * A list of min..max items, each checked by `itemProblem`; the message names the first failing
 * item as "[n] …".
 */
export function ListOf(
  min: number,
  max: number,
  itemProblem: (item: unknown) => string | undefined,
  optional = false,
): PropertyDecorator {
  const check = constraint('listOf', (value) => {
    if (!Array.isArray(value)) return 'must be an array';
    if (value.length < min)
      return min === 1 ? 'must not be empty' : `must have at least ${min} items`;
    if (value.length > max) return `must have at most ${max} items`;
    for (let i = 0; i < value.length; i++) {
      const problem = itemProblem(value[i]);
      if (problem) return `[${i}] ${problem}`;
    }
    return undefined;
  });
  return (target, key) => {
    Presence(optional)(target, key);
    check(target, key);
  };
}

/** A list of at most `maxItems` strings of 1..itemMax characters (tags, categories, topics…). */
export function StringList(itemMax = 100, optional = true, maxItems = 20): PropertyDecorator {
  const list = ListOf(0, maxItems, (item) => textProblem(item, 1, itemMax), optional);
  return (target, key) => {
    doc({ type: [String], maxItems, required: !optional })(target, key);
    list(target, key);
  };
}

/** A list of min..max objects, each validated by its own class. */
export function ObjectList(
  min: number,
  max: number,
  itemClass: () => new () => object,
  optional = false,
): PropertyDecorator {
  const list = ListOf(
    min,
    max,
    (item) =>
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? undefined
        : 'must be an object',
    optional,
  );
  return (target, key) => {
    doc({ type: () => [itemClass()], minItems: min, maxItems: max, required: !optional })(
      target,
      key,
    );
    list(target, key);
    ValidateNested({ each: true })(target, key);
    Type(itemClass)(target, key);
  };
}

/** A JSON object, validated by its own class when one is given. */
export function PlainObject(
  optional = false,
  objectClass?: () => new () => object,
): PropertyDecorator {
  const check = constraint('plainObject', (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? undefined
      : 'must be an object',
  );
  return (target, key) => {
    if (objectClass) ApiProperty({ type: objectClass, required: !optional })(target, key);
    else
      ApiProperty({ type: 'object', additionalProperties: true, selfRequired: !optional })(
        target,
        key,
      );
    Presence(optional)(target, key);
    check(target, key);
    if (objectClass) {
      ValidateNested()(target, key);
      Type(objectClass)(target, key);
    }
  };
}

export { IsOptional };
