import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson, post } from '../api';
import { Card, ErrorBox } from '../components';
import { useApp } from '../context';
import { fmtCount, fmtRecorded } from '../format';
import type { Projection } from '../types';

/** Projections with their status and lag; rebuild and dry run with live progress (ops keys). */
export function Ops() {
  const app = useApp();
  const [projections, setProjections] = useState<Projection[]>();
  const [error, setError] = useState<Error>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const pollNow = useRef<() => void>(() => undefined);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      clearTimeout(timer);
      let active = false;
      try {
        const list = await getJson<Projection[]>('/v1/projections');
        if (stopped) return;
        setProjections(list);
        setError(undefined);
        active = list.some(
          (p) => p.rebuild || p.status === 'rebuilding' || p.verify?.status === 'running',
        );
      } catch (e) {
        if (!stopped) setError(e as Error);
      }
      if (!stopped) timer = setTimeout(() => void poll(), active ? 1000 : 4000);
    };
    pollNow.current = () => void poll();
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  const rebuild = async (name: string, dryRun: boolean) => {
    if (
      !dryRun &&
      !window.confirm(
        `Rebuild the "${name}" read model from the log? It keeps answering from the current one until the rebuilt one replaces it.`,
      )
    )
      return;
    setBusy(`${name}:${dryRun}`);
    setMessage(undefined);
    try {
      await post(
        `/v1/projections/${encodeURIComponent(name)}/rebuild`,
        dryRun ? { dryRun: true } : {},
      );
      setMessage(
        dryRun
          ? `Dry run of ${name} started: the rebuilt copy will be compared with the live one.`
          : `Rebuild of ${name} started.`,
      );
      app.announce(`${dryRun ? 'Dry run' : 'Rebuild'} of ${name} started`);
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 0;
      setMessage(
        status === 404
          ? `This service cannot rebuild ${name} (404): the rebuild route is not available here yet, or there is no such projection.`
          : status === 409
            ? `${name} is already rebuilding (409).`
            : (e as Error).message,
      );
    } finally {
      setBusy(undefined);
      pollNow.current();
    }
  };

  if (error instanceof ApiError && error.status === 404)
    return (
      <div>
        <h1 class="view-title">Operations</h1>
        <p class="notice">This service does not offer the projections routes yet (404).</p>
      </div>
    );
  return (
    <div>
      <h1 class="view-title">Operations</h1>
      {error && <ErrorBox error={error} />}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {!projections && !error && <p class="loading">Loading projections…</p>}
      <div class="ops-grid">
        {projections?.map((p) => (
          <Card key={p.name} id={`projection-${p.name}`} title={`${p.name} (v${p.version})`}>
            <p>
              <span class={`badge proj-${p.status}`}>{p.status}</span>{' '}
              <span class={p.lag > 0 ? 'lag' : 'muted'}>
                lag {fmtCount(p.lag)} event{p.lag === 1 ? '' : 's'}
              </span>
            </p>
            <dl class="facts">
              <dt>Position</dt>
              <dd>
                {fmtCount(p.position)} of {fmtCount(p.headPosition)}
              </dd>
              <dt>Updated</dt>
              <dd>{p.updatedAt ? fmtRecorded(p.updatedAt) : '—'}</dd>
              {p.lastError && (
                <>
                  <dt>Last error</dt>
                  <dd class="error-text">{p.lastError}</dd>
                </>
              )}
            </dl>
            {p.rebuild && <Progress label="Rebuilding" {...p.rebuild} />}
            {p.verify && (
              <div class="verify">
                <p>
                  Dry run: <span class={`badge verify-${p.verify.status}`}>{p.verify.status}</span>
                  {p.verify.differences !== undefined &&
                    ` · ${fmtCount(p.verify.differences)} row${p.verify.differences === 1 ? '' : 's'} differ`}
                  {p.verify.finishedAt && ` · finished ${fmtRecorded(p.verify.finishedAt)}`}
                </p>
                {p.verify.sample && p.verify.sample.length > 0 && (
                  <details>
                    <summary>Sample of differing rows</summary>
                    <ul>
                      {p.verify.sample.map((row, i) => (
                        <li key={i}>
                          <code>{JSON.stringify(row)}</code>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </div>
            )}
            <div class="form-actions">
              <button
                type="button"
                disabled={busy !== undefined || p.status === 'rebuilding'}
                onClick={() => void rebuild(p.name, false)}
              >
                Rebuild
              </button>
              <button
                type="button"
                class="secondary"
                disabled={busy !== undefined || p.status === 'rebuilding'}
                onClick={() => void rebuild(p.name, true)}
              >
                Dry run
              </button>
            </div>
          </Card>
        ))}
      </div>
    </div>
  );
}

function Progress({
  label,
  processed,
  total,
  startedAt,
}: {
  label: string;
  processed: number;
  total: number;
  startedAt: string;
}) {
  const share = total > 0 ? processed / total : 0;
  return (
    <div class="rebuild">
      <div
        class="progress"
        role="progressbar"
        aria-label={`${label}: ${processed} of ${total} events`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={processed}
      >
        <div class="progress-bar" style={{ width: `${Math.min(100, share * 100)}%` }} />
      </div>
      <p class="muted small">
        {label}: {fmtCount(processed)} of {fmtCount(total)} events ({Math.floor(share * 100)}%) ·
        started {fmtRecorded(startedAt)}
      </p>
    </div>
  );
}
