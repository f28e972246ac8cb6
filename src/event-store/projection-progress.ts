import type { Kysely } from 'kysely';
import type { Database } from '../database';
import type { LogCheckpoint } from './event-store.types';
import { LOG_START } from './event-store.types';
import { compareCheckpoints } from './projection';

interface Waiter {
  target: LogCheckpoint;
  resolve: (reached: boolean) => void;
}

/**
 * What this process knows of each projection's checkpoint, always a committed one, and the
 * readers waiting for one to reach a position (read-your-writes). Fed by the local runners
 * after each commit and by `projection_progress` notifications from other instances.
 */
export class ProjectionProgress {
  private readonly checkpoints = new Map<string, LogCheckpoint>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** The latest committed checkpoint known for a projection. */
  current(name: string): LogCheckpoint {
    return this.checkpoints.get(name) ?? LOG_START;
  }

  /** Records a committed checkpoint; releases the waiters it satisfies. */
  advance(name: string, checkpoint: LogCheckpoint): void {
    const known = this.checkpoints.get(name);
    if (known && compareCheckpoints(known, checkpoint) >= 0) return;
    this.checkpoints.set(name, checkpoint);
    for (const waiter of this.waiters.get(name) ?? []) {
      if (compareCheckpoints(checkpoint, waiter.target) >= 0) waiter.resolve(true);
    }
  }

  /** Forgets a projection's progress (it was reset to the start of the log). */
  reset(name: string, checkpoint: LogCheckpoint = LOG_START): void {
    this.checkpoints.set(name, checkpoint);
  }

  /** Reads every projection's checkpoint from the store. */
  async refresh(db: Kysely<Database>): Promise<void> {
    const rows = await db
      .selectFrom('event_store.projections')
      .select(['name', 'transaction_id', 'position'])
      .execute();
    for (const row of rows) {
      this.advance(row.name, {
        transactionId: String(row.transaction_id),
        position: Number(row.position),
      });
    }
  }

  /** True as soon as the projection has processed `target`; false after `timeoutMs`. */
  waitFor(name: string, target: LogCheckpoint, timeoutMs: number): Promise<boolean> {
    if (compareCheckpoints(this.current(name), target) >= 0) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const set = this.waiters.get(name) ?? new Set<Waiter>();
      this.waiters.set(name, set);
      const waiter: Waiter = {
        target,
        resolve: (reached) => {
          clearTimeout(timer);
          set.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      set.add(waiter);
    });
  }

  /** How many readers are waiting (for a fallback poll while any are). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
