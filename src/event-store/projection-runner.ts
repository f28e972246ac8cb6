import { Logger } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { Database, Store } from '../database';
import { isUnavailableError } from './event-store.errors';
import { readLog } from './event-store';
import type { LogCheckpoint, StoredEvent } from './event-store.types';
import type { Projection } from './projection';
import type { ProjectionProgress } from './projection-progress';
import type { ProjectionStatus } from './event-store.table';

/** A projection's row in `event_store.projections`. */
export interface ProjectionState {
  name: string;
  version: number;
  status: ProjectionStatus;
  checkpoint: LogCheckpoint;
  lastError: string | null;
  errorPosition: number | null;
  updatedAt: Date;
}

/** Reads a projection's state, or undefined when it was never registered. */
export async function readProjectionState(
  db: Kysely<Database>,
  name: string,
): Promise<ProjectionState | undefined> {
  const row = await db
    .selectFrom('event_store.projections')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  return (
    row && {
      name: row.name,
      version: row.version,
      status: row.status,
      checkpoint: { transactionId: String(row.transaction_id), position: Number(row.position) },
      lastError: row.last_error,
      errorPosition: row.error_position === null ? null : Number(row.error_position),
      updatedAt: row.updated_at,
    }
  );
}

/** Empties a projection's tables and moves its checkpoint to the start of the log, in `trx`. */
export async function resetProjection(
  trx: Kysely<Database>,
  projection: Projection,
): Promise<void> {
  for (const table of projection.tables) {
    await sql`truncate table ${sql.table(table)}`.execute(trx);
  }
  await trx
    .updateTable('event_store.projections')
    .set({
      version: projection.version,
      status: 'running',
      transaction_id: '0',
      position: 0,
      last_error: null,
      error_position: null,
      updated_at: sql`now()`,
    })
    .where('name', '=', projection.name)
    .execute();
}

/**
 * Registers a projection; when the stored version differs from the code's, empties its tables
 * and starts it again from the beginning of the log. Returns what it did.
 */
export async function ensureProjection(
  db: Kysely<Database>,
  projection: Projection,
): Promise<'created' | 'unchanged' | 'reset'> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('event_store.projections')
      .values({ name: projection.name, version: projection.version })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    if (inserted) return 'created';
    const row = await trx
      .selectFrom('event_store.projections')
      .select('version')
      .where('name', '=', projection.name)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.version === projection.version) return 'unchanged';
    await resetProjection(trx, projection);
    return 'reset';
  });
}

class CheckpointMovedError extends Error {}

/** Options of a runner. */
export interface ProjectionRunnerOptions {
  /** Events per batch (one transaction each). */
  batchSize?: number;
  /** The slow poll, in case a notification is lost. */
  pollMs?: number;
}

/**
 * Runs one projection: reads the log after its checkpoint in batches and applies each batch and
 * the new checkpoint in one transaction (compare-and-set on the checkpoint, so a second runner
 * anywhere can never apply a batch twice). Woken by NOTIFY, with a slow poll as a fallback.
 * An event it cannot apply stops it: status `failed`, with the error and the event's position.
 */
export class ProjectionRunner {
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lock: { release(): Promise<void>; lost(): boolean } | undefined;

  constructor(
    private readonly store: Store,
    readonly projection: Projection,
    private readonly progress: ProjectionProgress,
    options: ProjectionRunnerOptions = {},
  ) {
    this.logger = new Logger(`projection:${projection.name}`);
    this.batchSize = options.batchSize ?? 1000;
    this.pollMs = options.pollMs ?? 1000;
  }

  /** Starts the loop (idempotent). */
  start(): void {
    this.stopping = false;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Asks the loop to look at the log now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the batch in flight (if any) has committed or rolled back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    await this.lock?.release().catch(() => undefined);
    this.lock = undefined;
  }

  /**
   * Applies batches until the log is exhausted or the projection is not running; for tests
   * and ops tools. Safe beside a running loop: every batch is a compare-and-set.
   */
  async catchUp(): Promise<void> {
    for (;;) {
      const state = await readProjectionState(this.store.db, this.projection.name);
      if (!state || state.status !== 'running') return;
      const events = await readLog(this.store.db, state.checkpoint, { limit: this.batchSize });
      if (events.length === 0) return;
      await this.applyBatch(state.checkpoint, events);
    }
  }

  /** True while this process holds the projection (always, on the embedded store). */
  get active(): boolean {
    return this.lock !== undefined && !this.lock.lost();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    this.woken = false;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!this.active) {
          this.lock = await this.store.tryLock(`projection:${this.projection.name}`);
          if (!this.lock) {
            await this.sleep(Math.min(this.pollMs, 2000));
            continue;
          }
          this.logger.log('holding the projection lock; running here');
        }
        const state = await readProjectionState(this.store.db, this.projection.name);
        if (!state || state.status !== 'running') {
          await this.sleep(this.pollMs);
          continue;
        }
        const events = await readLog(this.store.db, state.checkpoint, { limit: this.batchSize });
        if (events.length === 0) {
          await this.sleep(this.pollMs);
          continue;
        }
        await this.applyBatch(state.checkpoint, events);
        failures = 0;
      } catch (error) {
        failures++;
        const delay = Math.min(200 * 2 ** failures, 5000);
        if (isUnavailableError(error))
          this.logger.warn(`store unreachable; retrying in ${delay} ms`);
        else
          this.logger.error(
            `runner error: ${error instanceof Error ? error.message : String(error)}`,
          );
        await this.sleep(delay);
      }
    }
  }

  private async applyBatch(from: LogCheckpoint, events: readonly StoredEvent[]): Promise<void> {
    try {
      await this.commit(from, events);
      return;
    } catch (error) {
      if (error instanceof CheckpointMovedError) return;
      if (isUnavailableError(error)) throw error;
      if (events.length === 1) {
        await this.fail(events[0]!, error);
        return;
      }
    }
    // Find the event that cannot be applied: everything before it is committed, one by one.
    let checkpoint = from;
    for (const event of events) {
      try {
        await this.commit(checkpoint, [event]);
        checkpoint = { transactionId: event.transactionId, position: event.position };
      } catch (error) {
        if (error instanceof CheckpointMovedError) return;
        if (isUnavailableError(error)) throw error;
        await this.fail(event, error);
        return;
      }
    }
  }

  private async commit(from: LogCheckpoint, events: readonly StoredEvent[]): Promise<void> {
    const last = events[events.length - 1]!;
    const to: LogCheckpoint = { transactionId: last.transactionId, position: last.position };
    await this.store.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('event_store.projections')
        .select(['status', 'transaction_id', 'position'])
        .where('name', '=', this.projection.name)
        .forUpdate()
        .executeTakeFirst();
      if (
        !row ||
        row.status !== 'running' ||
        String(row.transaction_id) !== from.transactionId ||
        Number(row.position) !== from.position
      ) {
        throw new CheckpointMovedError();
      }
      await this.projection.apply(trx, events);
      await trx
        .updateTable('event_store.projections')
        .set({ transaction_id: to.transactionId, position: to.position, updated_at: sql`now()` })
        .where('name', '=', this.projection.name)
        .execute();
      await sql`select pg_notify('projection_progress', ${this.projection.name})`.execute(trx);
    });
    this.progress.advance(this.projection.name, to);
  }

  private async fail(event: StoredEvent, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(
      `stopped at event ${event.eventId} (position ${event.position}, ${event.type}): ${message}`,
    );
    await this.store.db
      .updateTable('event_store.projections')
      .set({
        status: 'failed',
        last_error: message,
        error_position: event.position,
        updated_at: sql`now()`,
      })
      .where('name', '=', this.projection.name)
      .execute();
  }
}
