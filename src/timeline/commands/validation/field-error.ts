/** One failing field of a request: `path` as in `released[0].count`, `message` what is wrong. */
export interface FieldError {
  path: string;
  message: string;
}

/** Joins a parent path and a child (a property name, or an index written as `[n]`). */
export function joinPath(parent: string, child: string | number): string {
  if (typeof child === 'number' || /^\d+$/.test(child)) return `${parent}[${child}]`;
  if (child.startsWith('[')) return `${parent}${child}`;
  return parent ? `${parent}.${child}` : child;
}

/** Prefixes every error's path. */
export function prefixErrors(prefix: string, errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => ({
    path: e.path ? joinPath(prefix, e.path) : prefix,
    message: e.message,
  }));
}
