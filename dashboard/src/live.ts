/**
 * Live updates: `GET /v1/events/live` (Server-Sent Events) read with `fetch`, because
 * EventSource cannot send the Authorization header; reconnects with `Last-Event-ID`. Where the
 * service has no such route (404, or any answer that is not an event stream), it polls
 * `GET /v1/events?after=` instead, and tries the stream again now and then.
 */
import { storedKey } from './api';
import { SseParser } from './sse';
import type { Envelope } from './types';

export type LiveMode = 'connecting' | 'stream' | 'polling' | 'reconnecting' | 'stopped';

export interface LiveStatus {
  mode: LiveMode;
  detail?: string;
}

const POLL_MS = 4000;
const RETRY_STREAM_MS = 120_000;
const MAX_BACKOFF_MS = 15_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

type Outcome = 'unsupported' | 'ended' | 'error' | 'unauthorized';

export class LiveFeed {
  private readonly abort = new AbortController();
  private lastEventId: string | undefined;
  private backoff = 1000;

  constructor(
    /** The position to start after: the `meta.position` the views were read at. */
    private after: number,
    private readonly onEvents: (events: Envelope[]) => void,
    private readonly onStatus: (status: LiveStatus) => void,
    private readonly onUnauthorized: () => void,
    private readonly options: { pollMs?: number } = {},
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
    this.onStatus({ mode: 'stopped' });
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const key = storedKey();
    return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
  }

  private async run(): Promise<void> {
    this.onStatus({ mode: 'connecting' });
    while (!this.stopped) {
      const outcome = await this.stream();
      if (this.stopped) return;
      if (outcome === 'unauthorized') return this.unauthorized();
      if (outcome === 'unsupported') {
        const result = await this.poll(Date.now() + RETRY_STREAM_MS);
        if (result === 'unauthorized') return this.unauthorized();
        continue;
      }
      this.onStatus({
        mode: 'reconnecting',
        detail: outcome === 'ended' ? 'the stream closed' : 'the connection failed',
      });
      await sleep(this.backoff, this.abort.signal);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private unauthorized(): void {
    this.onStatus({ mode: 'stopped', detail: 'the key was refused' });
    this.onUnauthorized();
  }

  /** One connection to the event stream, read until it ends. */
  private async stream(): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(`/v1/events/live?after=${this.after}`, {
        headers: this.headers({
          accept: 'text/event-stream',
          ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}),
        }),
        cache: 'no-store',
        signal: this.abort.signal,
      });
    } catch {
      return 'error';
    }
    if (response.status === 401) return 'unauthorized';
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.includes('text/event-stream') || !response.body) {
      void response.body?.cancel().catch(() => undefined);
      if (response.status === 429 || response.status >= 500) return 'error';
      return 'unsupported';
    }
    this.onStatus({ mode: 'stream' });
    this.backoff = 1000;
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'ended';
        const events: Envelope[] = [];
        for (const message of parser.push(value)) {
          if (message.id) {
            this.lastEventId = message.id;
            const position = Number(message.id);
            if (Number.isSafeInteger(position)) this.after = position;
          }
          try {
            const envelope = JSON.parse(message.data) as Envelope;
            if (envelope && typeof envelope.type === 'string') events.push(envelope);
          } catch {
            // not an envelope (a notice or keep-alive): skip
          }
        }
        if (events.length > 0) this.onEvents(events);
      }
    } catch {
      return this.stopped ? 'ended' : 'error';
    } finally {
      reader.releaseLock();
    }
  }

  /** Polls the log until `until`, then returns so the stream can be tried again. */
  private async poll(until: number): Promise<'unauthorized' | 'retry'> {
    this.onStatus({ mode: 'polling' });
    while (!this.stopped && Date.now() < until) {
      try {
        const response = await fetch(`/v1/events?after=${this.after}&limit=500`, {
          headers: this.headers({ accept: 'application/json' }),
          cache: 'no-store',
          signal: this.abort.signal,
        });
        if (response.status === 401) return 'unauthorized';
        if (response.ok) {
          const page = (await response.json()) as { events: Envelope[]; next: number | null };
          const last = page.events[page.events.length - 1];
          if (last) {
            this.after = last.position;
            this.lastEventId = String(last.position);
            this.onEvents(page.events);
          }
          this.onStatus({ mode: 'polling' });
          if (page.next !== null) continue; // more pages waiting: no pause
        } else {
          this.onStatus({ mode: 'polling', detail: `the log answered ${response.status}` });
        }
      } catch {
        if (this.stopped) break;
        this.onStatus({ mode: 'reconnecting', detail: 'the connection failed' });
      }
      await sleep(this.options.pollMs ?? POLL_MS, this.abort.signal);
    }
    return 'retry';
  }
}
