import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, getJson } from '../api';
import { ErrorBox, Link } from '../components';
import { readParams, useApp, useResource } from '../context';
import { fmtOccurred, fmtRecorded, fmtType } from '../format';
import { replayHistory, type FieldChange, type Json } from '../merge-patch';
import type { Envelope, IncidentDetail } from '../types';

/** `totalPerSide` → `Total per side`. */
function label(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A value for reading: absent and null are spelled out, objects are compact. */
function show(value: unknown): string {
  if (value === undefined) return '(not given)';
  if (value === null) return 'unknown';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function DetailValue({ value }: { value: unknown }): ComponentChildren {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">none</span>;
    return (
      <ul class="detail-list">
        {(value as unknown[]).map((entry, i) => (
          <li key={i}>
            <DetailValue value={entry} />
          </li>
        ))}
      </ul>
    );
  }
  if (value !== null && typeof value === 'object') {
    return (
      <span>
        {Object.entries(value as Record<string, unknown>)
          .map(([k, v]) => `${k}: ${show(v)}`)
          .join(', ')}
      </span>
    );
  }
  return <span>{show(value)}</span>;
}

export function Drawer({ id }: { id: string }) {
  const app = useApp();
  const { read } = app;
  const state = useResource(
    (signal) => getJson<IncidentDetail>(`/v1/timeline/${id}`, readParams(read), signal),
    [id, read.asOf, read.tick],
  );
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<Element | null>(null);
  const close = () => app.navigate({ incident: undefined });

  useEffect(() => {
    opener.current = document.activeElement;
    heading.current?.focus();
    return () => {
      // Give focus back to the item that opened the drawer, if it is still there.
      const item = document.querySelector<HTMLElement>(`[data-incident="${id}"] .item-open`);
      (item ?? (opener.current as HTMLElement | null))?.focus?.();
    };
  }, [id]);

  const item = state.data;
  const notYet = state.error instanceof ApiError && state.error.status === 404;
  return (
    <div
      id="drawer"
      class="drawer"
      role="dialog"
      aria-modal="false"
      aria-labelledby="drawer-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <div class="drawer-head">
        <h2 id="drawer-title" tabIndex={-1} ref={heading}>
          {item ? fmtType(item.type) : 'Incident'}
        </h2>
        <button type="button" class="close" onClick={close} aria-label="Close the incident">
          ✕
        </button>
      </div>
      {notYet && (
        <p class="notice">
          {read.asOf
            ? 'This incident had not been recorded at the "as of" time chosen.'
            : 'There is no such incident.'}
        </p>
      )}
      {state.error && !notYet && <ErrorBox error={state.error} />}
      {!item && !state.error && <p class="loading">Loading…</p>}
      {item && (
        <div class="drawer-body" aria-busy={state.loading}>
          <p class="drawer-meta">
            <time dateTime={item.occurredAt}>{fmtOccurred(item)}</time>{' '}
            <span class={`badge status-badge ${item.status}`}>{item.status}</span>{' '}
            <span class="muted">version {item.version}</span>
          </p>
          <p class="drawer-summary">{item.summary}</p>
          <dl class="facts">
            <dt>Where</dt>
            <dd>
              {item.location.country}
              {item.location.regions.length > 0 &&
                ` · ${item.location.regions.map((r) => `${r.name} (${r.code})`).join(', ')}`}
              {item.location.place && ` · ${item.location.place}`}
            </dd>
            {Object.entries(item.details).map(([key, value]) => (
              <div key={key} class="fact">
                <dt>{label(key)}</dt>
                <dd>
                  <DetailValue value={value} />
                </dd>
              </div>
            ))}
            {item.tags.length > 0 && (
              <div class="fact">
                <dt>Tags</dt>
                <dd class="tags">
                  {item.tags.map((tag) => (
                    <Link
                      key={tag}
                      class="tag"
                      to={{ view: 'timeline', filters: { tag }, incident: undefined }}
                    >
                      {tag}
                    </Link>
                  ))}
                </dd>
              </div>
            )}
          </dl>
          <h3>Sources</h3>
          <ul class="sources">
            {item.sources.map((source, i) => (
              <li key={i}>
                {source.url ? (
                  <a href={source.url} target="_blank" rel="noopener noreferrer">
                    {source.name}
                  </a>
                ) : (
                  source.name
                )}
                {source.publishedAt && (
                  <span class="muted"> · published {fmtRecorded(source.publishedAt)}</span>
                )}
              </li>
            ))}
          </ul>
          <h3>History</h3>
          <History events={item.history} />
        </div>
      )}
    </div>
  );
}

function History({ events }: { events: Envelope[] }) {
  const steps = replayHistory(events);
  return (
    <ol class="history" data-testid="history">
      {steps.map(({ event, changes }) => {
        const reason = typeof event.data.reason === 'string' ? event.data.reason : undefined;
        const actor = typeof event.metadata.actor === 'string' ? event.metadata.actor : undefined;
        return (
          <li key={event.eventId} class={`history-${event.type}`}>
            <p class="history-head">
              <strong>
                v{event.streamVersion} · {fmtType(event.type)}
              </strong>{' '}
              <span class="muted">
                recorded {fmtRecorded(event.recordedAt)}
                {actor && ` by ${actor}`}
              </span>
            </p>
            {reason && (
              <p class="reason">
                <span class="muted">Reason:</span> {reason}
              </p>
            )}
            {changes && <Changes changes={changes} />}
          </li>
        );
      })}
    </ol>
  );
}

function Changes({ changes }: { changes: FieldChange[] }) {
  if (changes.length === 0) return <p class="muted">No field changed.</p>;
  return (
    <table class="changes">
      <caption class="sr-only">What this correction changed</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.path}>
            <th scope="row">
              <code>{change.path}</code>
            </th>
            <td class="before">{show(change.before as Json)}</td>
            <td class="after">{show(change.after as Json)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
