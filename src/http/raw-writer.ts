import type { ServerResponse } from 'node:http';

/**
 * Writes a long response (a hijacked Fastify reply) with back-pressure: when the socket's buffer
 * is full, `write` waits for it to drain, so a slow client holds at most one chunk past the
 * high-water mark in memory. A client that stays blocked longer than `stallMs` is dropped.
 */
export class RawWriter {
  private gone = false;
  private readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly response: ServerResponse,
    private readonly stallMs: number,
  ) {
    response.once('close', () => {
      this.gone = true;
      for (const listener of this.closeListeners) listener();
      this.closeListeners.clear();
    });
  }

  /** True once the client went away (or was dropped, or the response ended). */
  get closed(): boolean {
    return this.gone || this.response.destroyed || this.response.writableEnded;
  }

  /** True while the socket's buffer is over its high-water mark. */
  get blocked(): boolean {
    return this.response.writableNeedDrain;
  }

  /** Calls `listener` once when the client goes away. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
  }

  /** Writes a chunk; resolves false when the client is gone or was dropped for stalling. */
  async write(chunk: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.response.write(chunk)) return true;
    return this.drained();
  }

  /** Ends the response (idempotent). */
  end(chunk?: string): void {
    if (this.closed) return;
    if (chunk === undefined) this.response.end();
    else this.response.end(chunk);
  }

  private drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.response.off('drain', onDrain);
        this.closeListeners.delete(onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => {
        // Never buffer without bound for a client that does not read.
        this.response.destroy();
        done(false);
      }, this.stallMs);
      this.response.once('drain', onDrain);
      this.closeListeners.add(onClose);
      if (this.closed) done(false);
    });
  }
}
