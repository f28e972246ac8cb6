import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

/**
 * True when committed events wait behind a transaction still in flight: they are stored but
 * not yet safe to read (readLog stops below the oldest running transaction). A reader woken by
 * an append that found nothing new looks again soon when this holds, rather than at its slow poll.
 */
export async function hasHeldBackEvents(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom('event_store.events')
    .select(sql<number>`1`.as('held'))
    .where(sql<boolean>`transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
