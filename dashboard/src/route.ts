/**
 * The dashboard's state that belongs in the URL (shareable, and the back button walks it):
 * the view, the timeline's filters, the open incident and "as of". Never the key.
 * No DOM types: unit-tested under Node.
 */

export const VIEWS = ['overview', 'strikes', 'casualties', 'timeline', 'ops'] as const;
export type View = (typeof VIEWS)[number];

/** The timeline's filters, named as the API's query parameters. */
export const FILTER_KEYS = [
  'from',
  'to',
  'type',
  'country',
  'region',
  'party',
  'tag',
  'q',
  'includeRetracted',
  'order',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

export interface Route {
  view: View;
  filters: Filters;
  /** An ISO date-time: every read is made `asOf` it. */
  asOf?: string;
  /** The incident whose drawer is open. */
  incident?: string;
}

export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const view = params.get('view');
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  const route: Route = {
    view: (VIEWS as readonly string[]).includes(view ?? '') ? (view as View) : 'overview',
    filters,
  };
  const asOf = params.get('asOf');
  if (asOf && !Number.isNaN(Date.parse(asOf))) route.asOf = asOf;
  const incident = params.get('incident');
  if (incident && /^[0-9a-f-]{36}$/i.test(incident)) route.incident = incident;
  return route;
}

export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  if (route.view !== 'overview') params.set('view', route.view);
  for (const key of FILTER_KEYS) {
    const value = route.filters[key];
    if (value) params.set(key, value);
  }
  if (route.asOf) params.set('asOf', route.asOf);
  if (route.incident) params.set('incident', route.incident);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The timeline's filters as API query parameters (empty ones left out). */
export function filterParams(filters: Filters): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) params[key] = value;
  }
  return params;
}

/** The first and last day of a `YYYY-MM` month, for `from` and `to`. */
export function monthRange(month: string): { from: string; to: string } {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}
