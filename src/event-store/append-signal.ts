import { EventEmitter } from 'node:events';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';

/** The channel other processes LISTEN on for appends. */
export const APPENDED_CHANNEL = 'event_store_appended';

interface Signal {
  local: EventEmitter;
  inFlight: boolean;
  again: boolean;
}

const signals = new WeakMap<Kysely<Database>, Signal>();

function signalOf(db: Kysely<Database>): Signal {
  let signal = signals.get(db);
  if (!signal) {
    signal = { local: new EventEmitter(), inFlight: false, again: false };
    signal.local.setMaxListeners(0);
    signals.set(db, signal);
  }
  return signal;
}

// Other processes hear of appends at most this much later; one NOTIFY covers all appends of
// the window. (A NOTIFY per append doubled the transactions of a single writer.)
const NOTIFY_WINDOW_MS = 5;

/**
 * Says that events were committed: at once to listeners in this process, and to other
 * processes by a NOTIFY sent after the commit. NOTIFY inside the append would serialise every
 * committing append on PostgreSQL's notification queue lock (measured: 540 appends/s instead of
 * 3,400 at 16 concurrent), so notifications are coalesced: at most one per few milliseconds,
 * one in flight at a time. Readers also poll, so a lost one only delays.
 * `count` is the number of events appended (for the appends counter of /metrics).
 */
export function signalAppended(db: Kysely<Database>, count = 1): void {
  const signal = signalOf(db);
  signal.local.emit('appended', count);
  if (signal.inFlight) {
    signal.again = true;
    return;
  }
  signal.inFlight = true;
  const send = (): void => {
    signal.again = false;
    sql`select pg_notify(${APPENDED_CHANNEL}, '')`
      .execute(db)
      .catch(() => undefined)
      .finally(() => {
        if (signal.again) setTimeout(send, NOTIFY_WINDOW_MS).unref();
        else signal.inFlight = false;
      });
  };
  setTimeout(send, NOTIFY_WINDOW_MS).unref();
}

/**
 * Calls `listener` whenever this process appends through `db`, with the number of events
 * appended; returns an unsubscribe.
 */
export function onAppendedLocally(
  db: Kysely<Database>,
  listener: (count: number) => void,
): () => void {
  const signal = signalOf(db);
  signal.local.on('appended', listener);
  return () => signal.local.off('appended', listener);
}
