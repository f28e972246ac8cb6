import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import type { LogCheckpoint } from './event-store.types';

/**
 * True when events after `after` are stored: committed since the reader's last read, or held
 * back behind a transaction still in flight (readLog stops below the oldest running one). A
 * reader whose read came back short looks again soon when this holds, rather than at its slow
 * poll. Asking "held back now?" instead would miss an event that was held back during the read
 * and became readable before the question: the reader then slept through the slow poll.
 */
export async function hasEventsAfter(
  db: Kysely<Database>,
  after: LogCheckpoint,
  types?: readonly string[],
): Promise<boolean> {
  return (await eventsAfterQuery(db, after, types).executeTakeFirst()) !== undefined;
}

/**
 * The statement `hasEventsAfter` runs: the first event after `after`, in log order.
 *
 * Ordered like the log so the plan walks the (transaction_id, position) index from `after`
 * whatever the table's statistics say. Without the order, on a 1M-event log that had never been
 * analyzed (autovacuum off), PostgreSQL guessed a third of the rows match and read the whole
 * table for its `limit 1`: 180–460 ms after every append a runner caught up with, which was the
 * append → visible tail (p50 381 ms at 1M incidents).
 */
export function eventsAfterQuery(
  db: Kysely<Database>,
  after: LogCheckpoint,
  types?: readonly string[],
) {
  let query = db
    .selectFrom('event_store.events')
    .select(sql<number>`1`.as('found'))
    .where(
      sql<boolean>`(transaction_id, position) > (${after.transactionId}::xid8, ${after.position}::bigint)`,
    );
  if (types && types.length > 0) query = query.where('type', 'in', [...types]);
  return query.orderBy('transaction_id').orderBy('position').limit(1);
}

/**
 * How long a reader held back by a transaction in flight waits before it looks again: doubling
 * from `first` up to `max`. The transaction may be anywhere on the server (visibility is
 * server-wide) and says nothing when it ends, so `max` stays a fraction of a second; a reader
 * that found work or an empty tail starts again from `first`.
 */
export class HeldBackDelay {
  private ms: number;

  constructor(
    private readonly first: number,
    private readonly max: number,
  ) {
    this.ms = first;
  }

  /** The wait before the next look, and the one after it doubled. */
  next(): number {
    const ms = this.ms;
    this.ms = Math.min(ms * 2, this.max);
    return ms;
  }

  reset(): void {
    this.ms = this.first;
  }
}
