import type { Kysely } from 'kysely';
import type { Database } from '../database';
import type { LogCheckpoint, StoredEvent } from './event-store.types';

/**
 * A read model built from the log: a name, a version, and a function from a batch of events
 * to writes. The runner gives `prepare` the events after the projection's checkpoint, in the
 * log's safe order, and runs the writes it returns inside the transaction that also moves the
 * checkpoint, so a batch is applied exactly once or not at all. The writes should be set-based
 * (a few statements per batch), not one round trip per event.
 *
 * Preparing and writing are apart so that a rebuild can prepare one batch in Node while
 * PostgreSQL runs the previous batch's writes: `prepare` may read the log (through `log`,
 * which may be another connection than the writes' transaction), never the projection's own
 * tables, whose earlier writes may still be running; everything that reads them belongs in the
 * writes, which run in order.
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
   * Makes a batch of events ready for `tables` (the live ones, or a rebuild's copies) and
   * returns its writes; either throws to stop the projection at the batch.
   */
  prepare(
    log: Kysely<Database>,
    events: readonly StoredEvent[],
    tables: Readonly<Record<string, string>>,
    context: ApplyContext,
  ): Promise<BatchWrites>;
  /**
   * Called once, when a rebuild's copy has caught up and its indexes are built (before the
   * swap): what the writes left for the end while `context.rebuilding` was true, as pieces of
   * work independent of each other, costliest first. On PostgreSQL the runner runs them two at a
   * time, each in a transaction of its own, so each must leave the same result when run again
   * (a rebuild that fails after some of them runs them all when it resumes); on the embedded
   * store, one after another in the transaction that completes the rebuild.
   */
  completeRebuild?(tables: Readonly<Record<string, string>>): RebuildCompletion[];
}

/** A piece of a rebuild's completion, run on a transaction. */
export type RebuildCompletion = (trx: Kysely<Database>) => Promise<void>;

/** A prepared batch's statements, run in order on the batch's transaction. */
export type BatchWrites = (trx: Kysely<Database>) => Promise<void>;

/** Prepares and writes one batch in turn, on one transaction (no overlap). */
export async function prepareAndWrite(
  projection: Projection,
  trx: Kysely<Database>,
  events: readonly StoredEvent[],
  tables: Readonly<Record<string, string>>,
  context: ApplyContext,
): Promise<void> {
  const write = await projection.prepare(trx, events, tables, context);
  await write(trx);
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
