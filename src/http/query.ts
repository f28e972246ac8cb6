import type { FieldError } from '../timeline';
import { validationProblem } from './problem/problem';

/** Reads query parameters, collecting every problem; `done()` throws a 400 listing them. */
export class QueryReader {
  private readonly errors: FieldError[] = [];

  constructor(
    private readonly query: Record<string, unknown>,
    allowed: readonly string[],
  ) {
    for (const key of Object.keys(query)) {
      if (!allowed.includes(key))
        this.errors.push({ path: key, message: 'is not a known query parameter' });
    }
  }

  private raw(name: string): string | undefined {
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.errors.push({ path: name, message: 'must be given once' });
      return undefined;
    }
    return value;
  }

  /** An integer in [min, max], or the fallback when absent. */
  integer(name: string, fallback: number, min: number, max: number): number;
  integer(name: string, fallback: undefined, min: number, max: number): number | undefined;
  integer(
    name: string,
    fallback: number | undefined,
    min: number,
    max: number,
  ): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === '') return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.errors.push({ path: name, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return Number(value);
  }

  /** A string of 1..max characters, or undefined when absent. */
  text(name: string, max = 200): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed === '' || trimmed.length > max) {
      this.errors.push({ path: name, message: `must be 1 to ${max} characters` });
      return undefined;
    }
    return trimmed;
  }

  /** true or false. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined || value === '') return fallback;
    if (value !== 'true' && value !== 'false') {
      this.errors.push({ path: name, message: 'must be true or false' });
      return fallback;
    }
    return value === 'true';
  }

  /** One of the listed values. */
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined || value === '') return fallback;
    if (!(values as readonly string[]).includes(value)) {
      this.errors.push({ path: name, message: `must be one of ${values.join(', ')}` });
      return fallback;
    }
    return value as T;
  }

  /** A comma-separated list of names matching a pattern. */
  list(name: string, pattern: RegExp, maxItems = 50): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined || value === '') return undefined;
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (items.length > maxItems || items.some((item) => !pattern.test(item))) {
      this.errors.push({
        path: name,
        message: `must be a comma-separated list of at most ${maxItems} names`,
      });
      return undefined;
    }
    return items;
  }

  /** Adds a problem found by the caller. */
  fail(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Throws a 400 when anything failed. */
  done(): void {
    if (this.errors.length > 0) throw validationProblem(this.errors);
  }
}
