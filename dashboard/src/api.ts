/**
 * The public HTTP API, with the key the user entered (sessionStorage, never in a URL).
 * Errors are RFC 9457 problems; 401 and 403 get messages an analyst can act on.
 */

const KEY_STORAGE = 'timeline.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key lives for this page only
  }
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(describeProblem(status, problem));
    this.name = 'ApiError';
  }
}

export function describeProblem(status: number, problem: Problem): string {
  if (status === 401)
    return 'The service did not accept this API key (401 Unauthorized). Check that it was copied whole, or ask for a new one.';
  if (status === 403)
    return `This API key lacks the role this needs (403 Forbidden)${problem.detail ? `: ${problem.detail}` : '.'}`;
  if (status === 429) return 'Too many requests for this key (429): wait a moment and try again.';
  const fields = problem.errors?.map((e) => `${e.path} ${e.message}`).join('; ');
  const text = fields || problem.detail || problem.title || 'request failed';
  return `${text} (${status})`;
}

export type Params = Record<string, string | number | boolean | undefined | null>;

export function query(params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

type AuthListener = (error: ApiError) => void;
let onUnauthorized: AuthListener = () => undefined;

/** Called when any request answers 401: the key was revoked or mistyped. */
export function setUnauthorizedListener(listener: AuthListener): void {
  onUnauthorized = listener;
}

export async function request(
  path: string,
  options: {
    method?: string;
    params?: Params;
    accept?: string;
    signal?: AbortSignal;
    key?: string;
  } = {},
): Promise<Response> {
  const key = options.key ?? storedKey();
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const init: RequestInit = { method: options.method ?? 'GET', headers, cache: 'no-store' };
  if (options.signal) init.signal = options.signal;
  const response = await fetch(`${path}${query(options.params)}`, init);
  if (!response.ok) {
    let problem: Problem = {};
    try {
      problem = (await response.json()) as Problem;
    } catch {
      problem = { detail: response.statusText };
    }
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && !options.key) onUnauthorized(error);
    throw error;
  }
  return response;
}

export async function getJson<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  const response = await request(path, { params, ...(signal ? { signal } : {}) });
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export async function post<T>(path: string, params?: Params): Promise<T> {
  const response = await request(path, { method: 'POST', params });
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Fetches CSV (`Accept: text/csv`) with the key and saves it as a file. With `follow`, pages on
 * through `X-Next-Cursor` (the timeline), keeping one header row, up to `maxPages`.
 */
export async function downloadCsv(
  path: string,
  params: Params,
  filename: string,
  follow?: { maxPages: number },
): Promise<{ truncated: boolean }> {
  const parts: string[] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (let page = 0; ; page++) {
    const response = await request(path, {
      params: { ...params, ...(cursor ? { cursor } : {}) },
      accept: 'text/csv',
    });
    let text = await response.text();
    if (page > 0) text = text.slice(text.indexOf('\n') + 1); // drop the repeated header
    if (text && !text.endsWith('\n')) text += '\n';
    parts.push(text);
    cursor = response.headers.get('x-next-cursor') ?? undefined;
    if (!follow || !cursor) break;
    if (page + 1 >= follow.maxPages) {
      truncated = true;
      break;
    }
  }
  const url = URL.createObjectURL(new Blob(parts, { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { truncated };
}
