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
    context: ApplyContext,
  ): Promise<void>;
  /**
   * Called once, when a rebuild's copy has caught up and its indexes are built (before the
   * swap): completes what `apply` left for the end while `context.rebuilding` was true.
   */
  completeRebuild?(trx: Kysely<Database>, tables: Readonly<Record<string, string>>): Promise<void>;
}

/** How a batch is being applied. */
export interface ApplyContext {
  /**
   * True while a rebuild's copy catches up, before `completeRebuild`: work cheaper done once at
   * the end than batch by batch may wait for it (nobody reads the copy meanwhile).
   */
  rebuilding: boolean;
}

/** Compares two checkpoints in the log's safe order. */
export function compareCheckpoints(a: LogCheckpoint, b: LogCheckpoint): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}
