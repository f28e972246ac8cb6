import type { Kysely } from 'kysely';
import type { Database } from '../database';
import type { LogCheckpoint, StoredEvent } from './event-store.types';

/**
 * A read model built from the log: a name, a version, and a function from a batch of events
 * to writes. The runner calls `apply` with the events after the projection's checkpoint, in the
 * log's safe order, inside the transaction that also moves the checkpoint, so a batch is
 * applied exactly once or not at all. `apply` should write set-based (a few statements per
 * batch), not one round trip per event.
 */
export interface Projection {
  /** Stable name, as shown by the ops routes. */
  readonly name: string;
  /** Bumped when the code's output changes: a changed version rebuilds the read model at start. */
  readonly version: number;
  /**
   * The tables the projection owns, by a name of its own, each mapped to its live table
   * (`read_model.<name>`). A rebuild applies the same code to copies in another schema.
   */
  readonly tables: Readonly<Record<string, string>>;
  /**
   * Applies a batch of events to `tables` (the live ones, or a rebuild's copies); throws to stop
   * the projection at the batch.
   */
  apply(
    trx: Kysely<Database>,
    events: readonly StoredEvent[],
    tables: Readonly<Record<string, string>>,
  ): Promise<void>;
}

/** Compares two checkpoints in the log's safe order. */
export function compareCheckpoints(a: LogCheckpoint, b: LogCheckpoint): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}
