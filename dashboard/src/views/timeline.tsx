import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../api';
import { CsvButton, ErrorBox } from '../components';
import { readParams, useApp } from '../context';
import { fmtOccurred, fmtType } from '../format';
import { filterParams, type Filters } from '../route';
import { INCIDENT_TYPES, type Meta, type TimelineItem, type TimelinePage } from '../types';

const PAGE = 50;

export function Timeline() {
  const app = useApp();
  const { route, read } = app;
  const filters = route.filters;
  const filterKey = JSON.stringify([filters, read.asOf]);
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error>();
  const [meta, setMeta] = useState<Meta>();
  const generation = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const params = useCallback(
    () => ({ ...filterParams(filters), ...readParams(read) }),
    [filterKey, read.position],
  );

  /** (Re)reads the first `limit` items; keeps what is shown while it does. */
  const reload = useCallback(
    (limit: number) => {
      const mine = ++generation.current;
      setLoading(true);
      getJson<TimelinePage>('/v1/timeline', { ...params(), limit })
        .then((page) => {
          if (mine !== generation.current) return;
          setItems(page.items);
          setCursor(page.nextCursor);
          setMeta(page.meta);
          setError(undefined);
        })
        .catch((e: Error) => {
          if (mine !== generation.current) return;
          setError(e);
          setItems([]);
          setCursor(null);
        })
        .finally(() => {
          if (mine === generation.current) setLoading(false);
        });
    },
    [params],
  );

  const loadMore = useCallback(() => {
    if (!cursor || loading) return;
    const mine = generation.current;
    setLoading(true);
    getJson<TimelinePage>('/v1/timeline', { ...params(), limit: PAGE, cursor })
      .then((page) => {
        if (mine !== generation.current) return;
        const seen = new Set(itemsRef.current.map((i) => i.incidentId));
        setItems([...itemsRef.current, ...page.items.filter((i) => !seen.has(i.incidentId))]);
        setCursor(page.nextCursor);
        setMeta(page.meta);
      })
      .catch((e: Error) => {
        if (mine === generation.current) setError(e);
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
  }, [cursor, loading, params]);

  // New filters or "as of": start again from the first page.
  useEffect(() => {
    setItems([]);
    setCursor(null);
    reload(PAGE);
  }, [filterKey]);

  // Live events: read again as much as is shown (up to the API's page limit).
  useEffect(() => {
    if (read.tick > 0 && !read.asOf) reload(Math.min(500, Math.max(PAGE, itemsRef.current.length)));
  }, [read.tick]);

  // Endless scrolling: the next page loads as the end of the list comes near.
  const sentinel = useRef<HTMLDivElement>(null);
  const loadMoreRef = useRef(loadMore);
  loadMoreRef.current = loadMore;
  useEffect(() => {
    const element = sentinel.current;
    if (!element) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMoreRef.current();
      },
      { rootMargin: '600px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  // A short first page may leave the sentinel in view: keep going until it is not.
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !cursor || loading) return;
    const box = element.getBoundingClientRect();
    if (box.top < window.innerHeight + 600) loadMore();
  }, [cursor, loading]);

  const list = useRef<HTMLOListElement>(null);
  const onKeyDown = (event: KeyboardEvent) => {
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('.item-open') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index === -1) return;
    const to =
      event.key === 'ArrowDown' || event.key === 'j'
        ? index + 1
        : event.key === 'ArrowUp' || event.key === 'k'
          ? index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? buttons.length - 1
              : undefined;
    if (to === undefined) return;
    event.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
  };

  const csvParams = {
    ...filterParams(filters),
    ...(read.asOf ? { asOf: read.asOf } : {}),
    limit: 500,
  };
  return (
    <div class="timeline">
      <h1 class="view-title">Timeline</h1>
      <FilterForm
        filters={filters}
        onApply={(next) => app.navigate({ filters: next, incident: undefined })}
      />
      <div class="list-head">
        <p role="status" class="muted">
          {error
            ? ''
            : items.length === 0 && loading
              ? 'Loading incidents…'
              : `${items.length} incident${items.length === 1 ? '' : 's'}${cursor ? ' shown, more below' : ''}`}
          {meta?.stale ? ' (may lag the latest events)' : ''}
        </p>
        <CsvButton
          path="/v1/timeline"
          params={csvParams}
          filename="timeline.csv"
          follow
          label="Download CSV (all matching)"
        />
      </div>
      {error && <ErrorBox error={error} />}
      {!error && !loading && items.length === 0 && (
        <p class="empty">No incidents match these filters.</p>
      )}
      <ol class="items" ref={list} onKeyDown={onKeyDown} aria-label="Incidents">
        {items.map((item) => (
          <Item key={item.incidentId} item={item} open={route.incident === item.incidentId} />
        ))}
      </ol>
      <div ref={sentinel} class="sentinel" aria-hidden="true" />
      {cursor && (
        <button type="button" class="secondary more" onClick={loadMore} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
      {!cursor && items.length > 0 && <p class="muted end">End of the timeline.</p>}
    </div>
  );
}

function Item({ item, open }: { item: TimelineItem; open: boolean }) {
  const app = useApp();
  const regions = item.location.regions.map((r) => r.name).join(', ');
  const where = [item.location.country, regions, item.location.place].filter(Boolean).join(' · ');
  return (
    <li class={`item status-${item.status}${open ? ' open' : ''}`} data-incident={item.incidentId}>
      <button
        type="button"
        class="item-open"
        aria-expanded={open}
        aria-controls="drawer"
        onClick={() => app.navigate({ incident: item.incidentId })}
      >
        <span class="item-meta">
          <time dateTime={item.occurredAt}>{fmtOccurred(item)}</time>
          <span class={`badge type-${item.type}`}>{fmtType(item.type)}</span>
          {item.status !== 'reported' && (
            <span class={`badge status-badge ${item.status}`}>{item.status}</span>
          )}
        </span>
        <span class="item-summary">{item.summary}</span>
        <span class="item-where muted">{where}</span>
      </button>
    </li>
  );
}

function FilterForm({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const key = JSON.stringify(filters);
  useEffect(() => setDraft(filters), [key]);
  const set = (name: keyof Filters, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const types = new Set((draft.type ?? '').split(',').filter(Boolean));
  const text = (
    name: keyof Filters,
    label: string,
    placeholder: string,
    type: 'text' | 'search' | 'date' = 'text',
  ) => (
    <label class="field">
      <span>{label}</span>
      <input
        id={`f-${name}`}
        name={name}
        // Preact's input types are a union by `type`; this one is one of three plain kinds.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        type={type as 'text'}
        placeholder={placeholder}
        value={draft[name] ?? ''}
        onInput={(e) => set(name, e.currentTarget.value)}
      />
    </label>
  );
  const submit = (event: Event) => {
    event.preventDefault();
    const next: Filters = {};
    for (const [name, value] of Object.entries(draft) as [keyof Filters, string | undefined][]) {
      const trimmed = value?.trim();
      if (!trimmed) continue;
      next[name] = ['country', 'party'].includes(name) ? trimmed.toUpperCase() : trimmed;
    }
    onApply(next);
  };
  const active = Object.keys(filters).length;
  return (
    <details class="filters" open={window.innerWidth > 700 || undefined}>
      <summary>Filters{active ? ` (${active} set)` : ''}</summary>
      <form onSubmit={submit} aria-label="Timeline filters">
        <div class="filter-grid">
          {text('q', 'Text', 'all these words', 'search')}
          {text('from', 'From', 'YYYY-MM-DD', 'date')}
          {text('to', 'To', 'YYYY-MM-DD', 'date')}
          {text('region', 'Region', 'Kyiv or UA-30')}
          {text('country', 'Country', 'UA')}
          {text('party', 'Party', 'RU, G7…')}
          {text('tag', 'Tag', 'drones')}
          <label class="field">
            <span>Order</span>
            <select
              name="order"
              value={draft.order ?? 'asc'}
              onChange={(e) => set('order', e.currentTarget.value === 'asc' ? '' : 'desc')}
            >
              <option value="asc">Oldest first</option>
              <option value="desc">Newest first</option>
            </select>
          </label>
        </div>
        <fieldset class="types">
          <legend>Types (none ticked: all)</legend>
          {INCIDENT_TYPES.map((type) => (
            <label key={type} class="check">
              <input
                type="checkbox"
                name="type"
                value={type}
                checked={types.has(type)}
                onChange={(e) => {
                  const next = new Set(types);
                  if (e.currentTarget.checked) next.add(type);
                  else next.delete(type);
                  set('type', INCIDENT_TYPES.filter((t) => next.has(t)).join(','));
                }}
              />
              {fmtType(type)}
            </label>
          ))}
        </fieldset>
        <div class="form-actions">
          <label class="check">
            <input
              type="checkbox"
              name="includeRetracted"
              checked={draft.includeRetracted === 'true'}
              onChange={(e) => set('includeRetracted', e.currentTarget.checked ? 'true' : '')}
            />
            Include retracted
          </label>
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick={() => onApply({})} disabled={!active}>
            Clear
          </button>
        </div>
      </form>
    </details>
  );
}
