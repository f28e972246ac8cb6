/**
 * JSON merge patch (RFC 7396) and the list of what a correction changed: an `IncidentCorrected`
 * event carries `data.changes`, a merge patch of the incident's body. Applying the history's
 * patches in order gives the body before and after each correction; the change list names each
 * leaf that differs under the patched keys. No DOM types: unit-tested under Node.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is { [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** RFC 7396: objects merge key by key, `null` removes, anything else (arrays too) replaces. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: { [key: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** One leaf that a correction changed. `undefined` means absent (not given). */
export interface FieldChange {
  path: string;
  before: Json | undefined;
  after: Json | undefined;
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? base
      ? `${base}.${key}`
      : key
    : `${base}[${JSON.stringify(key)}]`;
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Leaf differences between two values (objects by key, arrays by index). */
export function diff(before: Json | undefined, after: Json | undefined, path = ''): FieldChange[] {
  if (equal(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => diff(before[key], after[key], joinPath(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    const changes: FieldChange[] = [];
    for (let i = 0; i < length; i++) changes.push(...diff(before[i], after[i], joinPath(path, i)));
    return changes;
  }
  return [{ path, before, after }];
}

/** What a patch changed in `body`: the differences under the keys the patch names. */
export function changesOf(body: Json | undefined, patch: Json): FieldChange[] {
  const after = applyMergePatch(body, patch);
  if (!isObject(patch)) return diff(body, after);
  const before = isObject(body) ? body : {};
  const next = isObject(after) ? after : {};
  return Object.keys(patch).flatMap((key) => diff(before[key], next[key], joinPath('', key)));
}

/** A history event as far as this module needs it. */
export interface HistoryEvent {
  type: string;
  data: unknown;
}

/** Each event of a history with the changes it made (corrections only) and the body after it. */
export function replayHistory<E extends HistoryEvent>(
  history: readonly E[],
): { event: E; changes: FieldChange[] | undefined; body: Json | undefined }[] {
  let body: Json | undefined;
  return history.map((event, index) => {
    const data = event.data as { changes?: Json } | null;
    if (index === 0) {
      body = event.data as Json;
      return { event, changes: undefined, body };
    }
    if (event.type === 'IncidentCorrected' && data && data.changes !== undefined) {
      const changes = changesOf(body, data.changes);
      body = applyMergePatch(body, data.changes);
      return { event, changes, body };
    }
    return { event, changes: undefined, body };
  });
}
