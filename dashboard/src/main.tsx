import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, request, setUnauthorizedListener, storedKey, storeKey } from './api';
import { App as AppContextProvider, type AppContext, type ReadState } from './context';
import { fromLocalInput, fmtRecorded, toLocalInput } from './format';
import { LiveFeed, type LiveStatus } from './live';
import { formatRoute, parseRoute, type Route, type View } from './route';
import type { Envelope, IncidentsTally } from './types';
import { Casualties } from './views/casualties';
import { Drawer } from './views/drawer';
import { Ops } from './views/ops';
import { Overview } from './views/overview';
import { Strikes } from './views/strikes';
import { Timeline } from './views/timeline';
import './styles.css';

interface Session {
  /** The position the first read was made at: live events are those after it. */
  position: number;
  isOps: boolean;
  opsNote?: string;
}

const TABS: { view: View; label: string }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'strikes', label: 'Strikes' },
  { view: 'casualties', label: 'Casualties' },
  { view: 'timeline', label: 'Timeline' },
  { view: 'ops', label: 'Ops' },
];

/** Checks a key against the API; answers the session or a message for the user. */
async function openSession(key: string): Promise<Session> {
  const response = await request('/v1/tallies/incidents', { key });
  const tally = (await response.json()) as IncidentsTally;
  let isOps = false;
  let opsNote: string | undefined;
  try {
    await request('/v1/projections', { key });
    isOps = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      opsNote = 'the service has no projections routes yet';
  }
  return { position: tally.meta.position, isOps, ...(opsNote ? { opsNote } : {}) };
}

function Root() {
  const [session, setSession] = useState<Session>();
  const [checking, setChecking] = useState(() => storedKey() !== null);
  const [message, setMessage] = useState<string>();

  const signIn = useCallback(async (key: string): Promise<void> => {
    try {
      const opened = await openSession(key);
      storeKey(key);
      setMessage(undefined);
      setSession(opened);
    } catch (error) {
      storeKey(null);
      setSession(undefined);
      setMessage(
        error instanceof ApiError
          ? error.message
          : 'Could not reach the service. Check your connection and try again.',
      );
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    const key = storedKey();
    if (key) void signIn(key);
    setUnauthorizedListener((error) => {
      storeKey(null);
      setSession(undefined);
      setMessage(error.message);
    });
  }, []);

  if (checking) return <p class="loading center">Checking your key…</p>;
  if (!session) return <Login message={message} onKey={signIn} />;
  return (
    <Dashboard
      session={session}
      onSignOut={() => {
        storeKey(null);
        setSession(undefined);
        setMessage('Signed out. The key was removed from this tab.');
      }}
    />
  );
}

function Login({ message, onKey }: { message?: string; onKey: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [message]);
  return (
    <main class="login" id="main">
      <h1>Timeline of reported incidents</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!key.trim()) return;
          setBusy(true);
          void onKey(key.trim()).finally(() => setBusy(false));
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          ref={input}
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="key-help"
          aria-invalid={message ? true : undefined}
        />
        <p id="key-help" class="muted small">
          A reader or ops key. It is kept in this browser tab only (session storage) and sent in a
          header, never in a link.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Open the dashboard'}
        </button>
        {message && (
          <p class="error" role="alert" data-testid="login-error">
            {message}
          </p>
        )}
      </form>
    </main>
  );
}

const LIVE_TEXT: Record<LiveStatus['mode'], string> = {
  connecting: 'Connecting…',
  stream: 'Live',
  polling: 'Live (polling)',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
};

function Dashboard({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.search));
  const routeRef = useRef(route);
  routeRef.current = route;
  const [live, setLive] = useState<LiveStatus>({ mode: 'connecting' });
  const [refresh, setRefresh] = useState<Omit<ReadState, 'asOf'>>({ tick: 0, streams: new Set() });
  const [announcement, setAnnouncement] = useState('');
  const [missed, setMissed] = useState(0);

  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((next: Partial<Route>, options: { replace?: boolean } = {}) => {
    const current = routeRef.current;
    const view = next.view ?? current.view;
    const merged: Route = {
      ...current,
      ...(view !== current.view ? { incident: undefined, filters: {} } : {}),
      ...next,
    };
    if (merged.view !== 'timeline' && !next.filters) merged.filters = {};
    const url = `${location.pathname}${formatRoute(merged)}`;
    if (url !== `${location.pathname}${location.search}`)
      history[options.replace ? 'replaceState' : 'pushState'](null, '', url);
    routeRef.current = merged;
    setRoute(merged);
    if (view !== current.view) {
      scrollTo(0, 0);
      document.getElementById('main')?.focus({ preventScroll: true });
    }
  }, []);

  // Live updates: batch events for a moment, then every view reads again.
  useEffect(() => {
    let pending: { position: number; streams: Set<string>; count: number } | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      const batch = pending;
      pending = undefined;
      if (!batch) return;
      if (routeRef.current.asOf) {
        setMissed((n) => n + batch.count);
        return;
      }
      setRefresh((r) => ({ tick: r.tick + 1, position: batch.position, streams: batch.streams }));
      setAnnouncement(`${batch.count} new event${batch.count === 1 ? '' : 's'}: views updated`);
    };
    const onEvents = (events: Envelope[]) => {
      pending ??= { position: 0, streams: new Set(), count: 0 };
      for (const event of events) {
        pending.position = Math.max(pending.position, event.position);
        pending.streams.add(event.streamId);
        pending.count++;
      }
      clearTimeout(timer);
      timer = setTimeout(flush, 300);
    };
    const feed = new LiveFeed(
      session.position,
      onEvents,
      setLive,
      () =>
        // A 401 on the stream: any read will now say so; make one to surface the message.
        void request('/v1/tallies/incidents').catch(() => undefined),
    );
    feed.start();
    return () => {
      clearTimeout(timer);
      feed.stop();
    };
  }, [session]);

  // The drawer sits below the sticky header: it needs the header's height.
  const header = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = header.current;
    if (!element) return;
    const observer = new ResizeObserver(() =>
      document.documentElement.style.setProperty('--header-height', `${element.offsetHeight}px`),
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Leaving "as of" shows what arrived meanwhile.
  useEffect(() => {
    if (!route.asOf && missed > 0) {
      setMissed(0);
      setRefresh((r) => ({ ...r, tick: r.tick + 1 }));
    }
  }, [route.asOf]);

  // Keyboard: 1–5 switch views, "/" searches the timeline, Escape closes the drawer.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
      const target = event.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable]')) return;
      const tabs = TABS.filter((t) => t.view !== 'ops' || session.isOps);
      const index = Number(event.key) - 1;
      if (Number.isInteger(index) && index >= 0 && index < tabs.length) {
        navigate({ view: tabs[index]!.view });
      } else if (event.key === '/') {
        event.preventDefault();
        if (routeRef.current.view !== 'timeline') navigate({ view: 'timeline' });
        setTimeout(() => document.getElementById('f-q')?.focus(), 50);
      } else if (event.key === 'Escape' && routeRef.current.incident) {
        navigate({ incident: undefined });
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [session.isOps]);

  const read: ReadState = useMemo(
    () => ({ ...refresh, ...(route.asOf ? { asOf: route.asOf } : {}) }),
    [refresh, route.asOf],
  );
  const context: AppContext = useMemo(
    () => ({
      route,
      read,
      isOps: session.isOps,
      navigate,
      href: (next) => {
        const current = routeRef.current;
        const view = next.view ?? current.view;
        const merged = {
          ...current,
          ...(view !== current.view ? { incident: undefined, filters: {} } : {}),
          ...next,
        };
        return `${location.pathname}${formatRoute(merged)}`;
      },
      announce: setAnnouncement,
    }),
    [route, read, session.isOps, navigate],
  );

  const view = route.view === 'ops' && !session.isOps ? 'overview' : route.view;
  const liveMode = route.asOf ? 'paused' : live.mode;
  const liveText = route.asOf ? 'Paused (as of)' : LIVE_TEXT[live.mode];
  return (
    <AppContextProvider.Provider value={context}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top" ref={header}>
        <div class="brand">Incident timeline</div>
        <nav aria-label="Views">
          <ul>
            {TABS.filter((t) => t.view !== 'ops' || session.isOps).map((tab, i) => (
              <li key={tab.view}>
                <a
                  href={context.href({ view: tab.view, filters: {}, incident: undefined })}
                  aria-current={view === tab.view ? 'page' : undefined}
                  aria-keyshortcuts={String(i + 1)}
                  onClick={(event) => {
                    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
                      return;
                    event.preventDefault();
                    navigate({ view: tab.view, filters: {}, incident: undefined });
                  }}
                >
                  {tab.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <AsOf asOf={route.asOf} onChange={(asOf) => navigate({ asOf })} />
        <span
          class={`live live-${liveMode}`}
          title={
            route.asOf
              ? 'Live updates are paused while you look at an earlier time'
              : live.mode === 'stream'
                ? 'Receiving new events as they are recorded (event stream)'
                : live.mode === 'polling'
                  ? 'Checking for new events every few seconds'
                  : (live.detail ?? liveText)
          }
          data-testid="live"
          data-mode={liveMode}
        >
          <span class="dot" aria-hidden="true" />
          {liveText}
        </span>
        <button type="button" class="secondary signout" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {route.asOf && (
        <div class="asof-banner" role="status">
          Showing what had been recorded by <strong>{fmtRecorded(route.asOf)}</strong> (your time).
          Later reports and corrections are not shown
          {missed > 0
            ? `; ${missed} new event${missed === 1 ? ' has' : 's have'} arrived since you chose it`
            : ''}
          .{' '}
          <button type="button" class="linkish" onClick={() => navigate({ asOf: undefined })}>
            Back to now
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1} class={route.incident ? 'with-drawer' : undefined}>
        {view === 'overview' && <Overview />}
        {view === 'strikes' && <Strikes />}
        {view === 'casualties' && <Casualties />}
        {view === 'timeline' && <Timeline />}
        {view === 'ops' && <Ops />}
      </main>
      {route.incident && <Drawer key={route.incident} id={route.incident} />}
      <footer class="foot muted small">
        Keys: <kbd>1</kbd>–<kbd>{session.isOps ? 5 : 4}</kbd> views · <kbd>/</kbd> search ·{' '}
        <kbd>↑</kbd>/<kbd>↓</kbd> move in the timeline · <kbd>Esc</kbd> close.
        {session.opsNote && ` Ops panel unavailable: ${session.opsNote}.`}
      </footer>
      <div class="sr-only" aria-live="polite">
        {announcement}
      </div>
    </AppContextProvider.Provider>
  );
}

function AsOf({ asOf, onChange }: { asOf?: string; onChange: (asOf: string | undefined) => void }) {
  const [draft, setDraft] = useState(asOf ? toLocalInput(asOf) : '');
  useEffect(() => setDraft(asOf ? toLocalInput(asOf) : ''), [asOf]);
  return (
    <form
      class="asof"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(fromLocalInput(draft));
      }}
    >
      <label for="as-of">As of</label>
      <input
        id="as-of"
        type="datetime-local"
        step={1}
        value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={(e) => onChange(fromLocalInput(e.currentTarget.value))}
        aria-describedby="as-of-help"
      />
      <span id="as-of-help" class="sr-only">
        Shows every view as it was known at this time, in your time zone. Empty means now.
      </span>
      {asOf && (
        <button type="button" class="secondary" onClick={() => onChange(undefined)}>
          Now
        </button>
      )}
    </form>
  );
}

const container = document.getElementById('app')!;
container.replaceChildren();
render(<Root />, container);
