import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  compileBodyCheck,
  UncompilableClassError,
  type CompiledBodyCheck,
  type ValidationErrorTree,
} from './compile-body-validator';
import { joinPath, type FieldError } from './field-error';

// Which message to show when several rules of one field fail: the most basic first.
const PRIORITY = ['whitelistValidation', 'isDefined', 'plainObject', 'listOf'];

function firstMessage(constraints: Record<string, string>): string {
  for (const name of PRIORITY) {
    const message = constraints[name];
    if (message !== undefined) {
      return name === 'whitelistValidation' ? 'is not an allowed field' : message;
    }
  }
  return Object.values(constraints)[0] ?? 'is invalid';
}

/** Turns class-validator's error tree into one FieldError per failing field. */
export function flattenValidationErrors(
  errors: readonly ValidationErrorTree[],
  parent = '',
): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property);
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      const message = firstMessage(error.constraints);
      // "[n] message" from a list constraint names the failing item.
      const item = /^\[(\d+)\] (.*)$/s.exec(message);
      result.push(item ? { path: `${path}[${item[1]}]`, message: item[2]! } : { path, message });
    } else if (error.children && error.children.length > 0) {
      result.push(...flattenValidationErrors(error.children, path));
    }
  }
  return result;
}

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a copy of a parsed JSON value with every string trimmed. */
export function trimStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(trimStrings);
  if (isJsonObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = trimStrings(item);
    return result;
  }
  return value;
}

// Control characters other than tab, LF and CR, and UTF-16 surrogates without their pair: neither
// may be stored (PostgreSQL's jsonb refuses U+0000 and unpaired surrogates outright).
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\p{Surrogate}/u;

/**
 * Checks what the field classes cannot see: keys that name a member of Object.prototype
 * (`constructor`, `toString`…), which class-transformer skips or trips over, and strings with
 * characters that cannot be stored. Returns a copy without those keys, and their errors.
 */
function screen(value: unknown, path: string, errors: FieldError[]): unknown {
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value))
      errors.push({
        path,
        message: 'must not contain control characters or unpaired surrogates',
      });
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => screen(item, joinPath(path, i), errors));
  if (isJsonObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const at = joinPath(path, key);
      if (key in Object.prototype) errors.push({ path: at, message: 'is not an allowed field' });
      else result[key] = screen(item, at, errors);
    }
    return result;
  }
  return value;
}

/** The outcome of validating a body: the typed instance, or every failing field. */
export type BodyValidation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/**
 * Validates a parsed JSON body against a class-validator class: unknown fields are errors, no
 * type conversion happens (so "10" is not a count), strings are trimmed first. This is the
 * reference path (class-transformer and class-validator's executor); validateBody gives the same
 * outcome faster.
 */
export function validateBodyReflective<T extends object>(
  cls: new () => T,
  plain: unknown,
): BodyValidation<T> {
  if (!isJsonObject(plain))
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const screened: FieldError[] = [];
  const clean = screen(trimStrings(plain), '', screened);
  const instance = plainToInstance(cls, clean, { enableImplicitConversion: false });
  const errors: ValidationError[] = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  return outcome(flattenValidationErrors(errors), screened, instance);
}

function outcome<T>(failing: FieldError[], screened: FieldError[], value: T): BodyValidation<T> {
  // A field the classes already reject keeps their (more specific) message.
  const named = new Set(failing.map((e) => e.path));
  failing.push(...screened.filter((e) => !named.has(e.path)));
  if (failing.length > 0) return { ok: false, errors: failing };
  return { ok: true, value };
}

/** Where a value sits in the body; rendered to a path only when something there fails. */
interface Place {
  parent: Place | undefined;
  key: string | number;
}

function pathOf(place: Place | undefined): string {
  return place ? joinPath(pathOf(place.parent), place.key) : '';
}

interface Cleaning {
  errors: FieldError[];
  /** Set when the body holds something JSON would drop or change (undefined, -0, NaN…). */
  notJson: boolean;
}

/**
 * trimStrings then screen, in one copy. `place` is the container the value sits in and `key`
 * where in it (undefined for the body itself).
 */
function clean(
  value: unknown,
  place: Place | undefined,
  key: string | number,
  state: Cleaning,
): unknown {
  switch (typeof value) {
    case 'string': {
      const trimmed = value.trim();
      if (UNSTORABLE.test(trimmed))
        state.errors.push({
          path: joinPath(pathOf(place), key),
          message: 'must not contain control characters or unpaired surrogates',
        });
      return trimmed;
    }
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) state.notJson = true;
      return value;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return value;
      const at: Place = { parent: place, key };
      if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) copy[i] = clean(value[i], at, i, state);
        return copy;
      }
      return cleanObject(value as Record<string, unknown>, at, state);
    }
    default:
      state.notJson = true;
      return value;
  }
}

function cleanObject(
  value: Record<string, unknown>,
  place: Place | undefined,
  state: Cleaning,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // trimStrings' copy assigns "__proto__" (it sets the copy's prototype), so screen never
    // sees the key: it vanishes without an error.
    if (key === '__proto__') continue;
    if (key in Object.prototype)
      state.errors.push({ path: joinPath(pathOf(place), key), message: 'is not an allowed field' });
    else copy[key] = clean(value[key], place, key, state);
  }
  return copy;
}

const compiled = new Map<new () => object, CompiledBodyCheck | null>();

/** The compiled check of a class, or null when it keeps the reflective path. */
function checkOf(cls: new () => object): CompiledBodyCheck | null {
  let check = compiled.get(cls);
  if (check === undefined) {
    try {
      check = compileBodyCheck(cls);
    } catch (error) {
      if (!(error instanceof UncompilableClassError)) throw error;
      check = null;
    }
    compiled.set(cls, check);
  }
  return check;
}

/** True when validateBody checks a class with compiled plans (false: the reflective path). */
export function isBodyCheckCompiled(cls: new () => object): boolean {
  return checkOf(cls) !== null;
}

/**
 * Validates a parsed JSON body against a class-validator class, with the outcome of
 * validateBodyReflective, but the value is a fresh plain copy (what JSON.stringify makes of the
 * instance), the caller's to change. The class's metadata is compiled on first use.
 */
export function validateBody<T extends object>(
  cls: new () => T,
  plain: unknown,
): BodyValidation<T> {
  const check = checkOf(cls);
  if (check === null) {
    const reflective = validateBodyReflective(cls, plain);
    if (!reflective.ok) return reflective;
    return { ok: true, value: JSON.parse(JSON.stringify(reflective.value)) as T };
  }
  if (!isJsonObject(plain))
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const state: Cleaning = { errors: [], notJson: false };
  const body = cleanObject(plain, undefined, state);
  const result = outcome(flattenValidationErrors(check(body)), state.errors, body);
  if (!result.ok) return result;
  // The copy passed the class's rules: it has the class's fields and no others.
  const value = (state.notJson ? JSON.parse(JSON.stringify(body)) : body) as T;
  return { ok: true, value };
}
