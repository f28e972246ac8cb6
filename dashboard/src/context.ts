import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Params } from './api';
import type { Route } from './route';

/** What every view reads with: "as of", and the position of the last live event seen. */
export interface ReadState {
  asOf?: string;
  /** Set after live events: reads wait (briefly) until the read models have them. */
  position?: number;
  /** Bumped on every batch of live events, so views read again. */
  tick: number;
  /** Streams touched by the last batch of live events. */
  streams: ReadonlySet<string>;
}

export interface AppContext {
  route: Route;
  read: ReadState;
  isOps: boolean;
  navigate(next: Partial<Route>, options?: { replace?: boolean }): void;
  href(next: Partial<Route>): string;
  announce(message: string): void;
}

export const App = createContext<AppContext>(undefined as unknown as AppContext);

export const useApp = (): AppContext => useContext(App);

/** The query parameters every read takes from the app's state. */
export function readParams(read: ReadState): Params {
  if (read.asOf) return { asOf: read.asOf };
  if (read.position) return { minPosition: read.position, waitMs: 3000 };
  return {};
}

export interface Resource<T> {
  data?: T;
  error?: Error;
  loading: boolean;
}

/**
 * Loads data when its inputs change. Keeps the previous data while reloading (live updates do
 * not flash), drops it on an error (a stale figure must not pass for a current one).
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Resource<T> {
  const [state, setState] = useState<Resource<T>>({ loading: true });
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          error: error instanceof Error ? error : new Error(String(error)),
          loading: false,
        });
      },
    );
    return () => controller.abort();
  }, deps);
  return state;
}
