/** The outcome of taking one request from a key's allowance. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A fixed one-minute window per key, in memory (per process). Cheap on the hot path: one map
 * lookup and an increment.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request for `key`; refuses it past the limit (0 means no limit). */
  take(key: string): RateDecision {
    if (this.perMinute === 0) return { ok: true };
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.perMinute) {
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000)),
      };
    }
    window.count++;
    return { ok: true };
  }
}
