import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, downloadCsv, type Params } from './api';
import { useApp } from './context';
import { fmtCount, fmtRate, UNKNOWN } from './format';
import type { Route } from './route';

/** A count, or "unknown" (null is not 0). */
export function Count({ value, atLeast }: { value: number | null | undefined; atLeast?: boolean }) {
  if (value === null || value === undefined)
    return (
      <span class="unknown" title="No report gave this figure">
        {UNKNOWN}
      </span>
    );
  return (
    <span class="count" title={atLeast ? 'at least this many' : undefined}>
      {atLeast ? '≥ ' : ''}
      {fmtCount(value)}
    </span>
  );
}

/** An interception rate, or "unknown" when no line gives both launched and intercepted. */
export function Rate({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined)
    return (
      <span class="unknown" title="No weapon line gives both launched and intercepted">
        {UNKNOWN}
      </span>
    );
  return <span class="count">{fmtRate(value)}</span>;
}

/** A link within the dashboard: a real href (new tab, copy link) that navigates in place. */
export function Link({
  to,
  children,
  class: className,
  label,
}: {
  to: Partial<Route>;
  children: ComponentChildren;
  class?: string;
  label?: string;
}) {
  const app = useApp();
  return (
    <a
      class={className}
      href={app.href(to)}
      aria-label={label}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
          return;
        event.preventDefault();
        app.navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Links to the timeline with these filters (the incidents behind a figure). */
export function TimelineLink(props: {
  filters: Route['filters'];
  incident?: string;
  children: ComponentChildren;
  label?: string;
}) {
  return (
    <Link
      class="figure-link"
      to={{ view: 'timeline', filters: props.filters, incident: props.incident }}
      label={props.label}
    >
      {props.children}
    </Link>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  const status = error instanceof ApiError ? error.status : undefined;
  return (
    <div class="error" role="alert">
      <strong>
        {status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Could not load'}
      </strong>{' '}
      {error.message}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** Downloads what a view shows as CSV (the API's own CSV, fetched with the key). */
export function CsvButton({
  path,
  params,
  filename,
  follow,
  label = 'Download CSV',
}: {
  path: string;
  params: Params;
  filename: string;
  follow?: boolean;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  return (
    <span class="csv">
      <button
        type="button"
        class="secondary"
        aria-label={`${label} (${filename})`}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setMessage(undefined);
          downloadCsv(path, params, filename, follow ? { maxPages: 40 } : undefined)
            .then(({ truncated }) =>
              setMessage(truncated ? 'Saved the first 20,000 rows.' : undefined),
            )
            .catch((error: Error) => setMessage(error.message))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? 'Preparing…' : label}
      </button>
      {message && (
        <span class="csv-message" role="status">
          {message}
        </span>
      )}
    </span>
  );
}

export function Card({
  title,
  children,
  actions,
  id,
  wide,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
  wide?: boolean;
}) {
  return (
    <section class={wide ? 'card wide' : 'card'} aria-labelledby={id ? `${id}-title` : undefined}>
      <header class="card-head">
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions && <div class="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** "Stale" notice when a read did not catch up with the latest events in time. */
export function Freshness({
  meta,
}: {
  meta?: { stale: boolean; asOf?: string; position: number };
}) {
  if (!meta?.stale) return null;
  return (
    <p class="notice" role="status">
      These figures may lag the latest events; they will update when the read model catches up.
    </p>
  );
}
