import { setImmediate as nextTurn } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { Database, SessionLock, Store } from '../database';
import { readLog } from './event-store';
import { HeldBackDelay, hasEventsAfter } from './log-tail';
import { isTransientError, isUnavailableError } from './event-store.errors';
import type { ProjectionStatus, RebuildState, VerifyResult } from './event-store.table';
import type { LogCheckpoint, StoredEvent } from './event-store.types';
import {
  compareCheckpoints,
  prepareAndWrite,
  type ApplyContext,
  type BatchWrites,
  type Projection,
  type RebuildCompletion,
} from './projection';
import type { ProjectionProgress } from './projection-progress';

/** A rebuild's next first batch, prepared ahead (see `ProjectionRunner.prepareAhead`). */
interface PreparedAhead {
  prepared: Promise<{ events: StoredEvent[]; writes: BatchWrites } | undefined>;
  rebuilding: boolean;
}

/** A projection's row in `event_store.projections`. */
export interface ProjectionState {
  name: string;
  version: number;
  status: ProjectionStatus;
  checkpoint: LogCheckpoint;
  lastError: string | null;
  errorPosition: number | null;
  updatedAt: Date;
  rebuild: RebuildState | null;
  verify: VerifyResult | null;
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
      rebuild: row.rebuild,
      verify: row.verify,
    }
  );
}

// A copy's keys and indexes take the live table's names: the copy lives in another schema until
// the swap, and by then the live table has left read_model with its own. So a later migration
// that names an index finds it after a rebuild too.

/** The primary key and unique constraints of a table, with their names. */
async function keyConstraints(
  trx: Kysely<Database>,
  table: string,
): Promise<{ name: string; def: string }[]> {
  const found = await sql<{ name: string; def: string }>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
     where conrelid = ${table}::regclass and contype in ('p', 'u') order by conname`.execute(trx);
  return found.rows;
}

/**
 * `create index if not exists` statements for a copy: the table's indexes that back no
 * constraint, the costliest to build first, so that builds sharing connections finish soonest.
 */
async function otherIndexes(db: Kysely<Database>, table: string, copy: string) {
  const found = await sql<{ def: string }>`
    select pg_get_indexdef(i.indexrelid) as def from pg_index i
     where i.indrelid = ${table}::regclass
       and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
     order by i.indexrelid`.execute(db);
  // "CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING …": the same name, on the copy.
  const statements = found.rows.map((r) =>
    r.def.replace(
      /^CREATE (UNIQUE )?INDEX (\S+) ON (ONLY )?\S+ /,
      (_m, unique: string | undefined, name: string) =>
        `CREATE ${unique ?? ''}INDEX IF NOT EXISTS ${name} ON ${copy} `,
    ),
  );
  // A guess at each build's cost: GIN over btree, an expression (a function called per row) more.
  const cost = (statement: string) =>
    (/ USING gin /i.test(statement) ? 2 : 0) + (/ USING \w+ \(\w+\(/i.test(statement) ? 1 : 0);
  return statements.sort((a, b) => cost(b) - cost(a));
}

/** The tables of a rebuild's copy: the live names moved to the rebuild schema. */
export function rebuildTables(projection: Projection): Record<string, string> {
  return Object.fromEntries(
    Object.entries(projection.tables).map(([key, table]) => [
      key,
      `read_model_rebuild.${table.split('.').pop()!}`,
    ]),
  );
}

/** Empties a projection's tables and moves its checkpoint to the start of the log, in `trx`. */
export async function resetProjection(
  trx: Kysely<Database>,
  projection: Projection,
): Promise<void> {
  for (const table of Object.values(projection.tables)) {
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
      rebuild: null,
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

// Statuses in which the live read model follows the log.
const FOLLOWING: readonly ProjectionStatus[] = ['running', 'rebuilding'];

/** A runner held back by a transaction in flight looks again after 10 ms, doubling to 100 ms. */
const HELD_BACK_FIRST_MS = 10;
const HELD_BACK_MAX_MS = 100;

/** Options of a runner. */
export interface ProjectionRunnerOptions {
  /** Events per batch (one transaction each). */
  batchSize?: number;
  /**
   * Batches a rebuild's copy applies per transaction (read from the log in one query, applied
   * `batchSize` events at a time).
   */
  rebuildBatches?: number;
  /**
   * Once a catch-up of at least this many events ends (and of a tenth of the log since the last
   * time), the runner gathers statistics of the live tables (default 10,000). See `analyzeIfGrown`.
   */
  analyzeAfter?: number;
  /** The slow poll, in case a notification is lost. */
  pollMs?: number;
  /** Told of a rebuild's progress after each of its batches. */
  onRebuildProgress?: (name: string, rebuild: RebuildState) => void;
}

/**
 * Runs one projection: reads the log after its checkpoint in batches and applies each batch and
 * the new checkpoint in one transaction (compare-and-set on the checkpoint, so a second runner
 * anywhere can never apply a batch twice). Woken by appends, with a slow poll as a fallback.
 * An event it cannot apply stops it: status `failed`, with the error and the event's position.
 *
 * A rebuild (status `rebuilding`) builds copies of the tables from the start of the log, a batch
 * at a time between the live batches, so the live read model keeps answering and following the
 * log; when the copy has caught up, one transaction brings both to the same checkpoint and
 * either moves the copy in (swap) or compares the two row by row (dry run).
 */
export class ProjectionRunner {
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly rebuildBatches: number;
  private readonly pollMs: number;
  private readonly analyzeAfter: number;
  /** Events this runner applied to the live tables since it last analyzed them. */
  private appliedSinceAnalyze = 0;
  /** The log position at which it last analyzed them. */
  private analyzedAt = 0;
  /** The copy's next events, read while the previous ones are applied (see `readCopyEvents`). */
  private prefetched:
    { after: LogCheckpoint; events: Promise<StoredEvent[] | undefined> } | undefined;
  /** The first batch of those events, prepared while the step before wrote its last one. */
  private preparedAhead: PreparedAhead | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  /** Where the last step found the log read to its end (none when it applied events). */
  private idleAt: LogCheckpoint | undefined;
  private woken = false;
  private lock: SessionLock | undefined;
  /** The drop of the tables a swap retired, due a few seconds after it (see `finishRebuild`). */
  private retiredDrop: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    readonly projection: Projection,
    private readonly progress: ProjectionProgress,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.logger = new Logger(`projection:${projection.name}`);
    this.batchSize = options.batchSize ?? 1000;
    this.rebuildBatches = options.rebuildBatches ?? 3;
    this.pollMs = options.pollMs ?? 1000;
    this.analyzeAfter = options.analyzeAfter ?? 10_000;
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
    // The store may close once this returns; the next rebuild drops what a swap left.
    clearTimeout(this.retiredDrop);
    this.retiredDrop = undefined;
    await this.lock?.release().catch(() => undefined);
    this.lock = undefined;
  }

  /** True while this process holds the projection (always, on the embedded store). */
  get active(): boolean {
    return this.lock !== undefined && !this.lock.lost();
  }

  /**
   * Applies batches (live, and a rebuild's) until there is nothing left to do or the projection
   * stops following the log; for tests and ops tools. Safe beside a running loop: every batch is
   * a compare-and-set.
   */
  async catchUp(): Promise<void> {
    while (await this.step()) {
      // keep going
    }
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
    const heldBack = new HeldBackDelay(HELD_BACK_FIRST_MS, Math.min(HELD_BACK_MAX_MS, this.pollMs));
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
        const busy = await this.step();
        failures = 0;
        // Committed events can wait behind a transaction still in flight (another runner's
        // batch, a writer): look again in a moment rather than at the slow poll.
        if (busy) heldBack.reset();
        else if (this.idleAt && (await hasEventsAfter(this.store.db, this.idleAt))) {
          await this.sleep(heldBack.next());
        } else {
          heldBack.reset();
          await this.sleep(this.pollMs);
        }
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

  /** One live batch and, while rebuilding, one batch of the copy. True when there was work. */
  private async step(): Promise<boolean> {
    // The embedded store runs each statement on this thread and settles its promise at once, so
    // a catch-up would be one chain of microtasks: no request answered, no timer run, until its
    // end. A turn of the event loop between steps bounds that to one step.
    await nextTurn();
    this.idleAt = undefined;
    const state = await readProjectionState(this.store.db, this.projection.name);
    if (!state || !FOLLOWING.includes(state.status)) return false;
    let busy = false;
    const events = await readLog(this.store.db, state.checkpoint, { limit: this.batchSize });
    if (events.length === 0) this.idleAt = state.checkpoint;
    if (events.length > 0) {
      await this.applyBatch(state.checkpoint, events);
      busy = true;
    }
    if (events.length < this.batchSize)
      await this.analyzeIfGrown(events.at(-1)?.position ?? state.checkpoint.position);
    if (state.status === 'rebuilding' && state.rebuild) {
      busy = (await this.rebuildStep(state.rebuild)) || busy;
    }
    return busy;
  }

  private async applyBatch(from: LogCheckpoint, events: readonly StoredEvent[]): Promise<void> {
    try {
      await this.commit(from, events);
      return;
    } catch (error) {
      if (error instanceof CheckpointMovedError) return;
      if (isTransientError(error)) throw error;
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
        if (isTransientError(error)) throw error;
        await this.fail(event, error);
        return;
      }
    }
  }

  /**
   * Tables filled by a long catch-up (a first start on a big log, an import) have no statistics
   * until autovacuum analyzes them, and never with autovacuum off: at 200,000 incidents, filtered
   * timeline reads then took 110–150 ms instead of 1.4 ms. So when a catch-up has applied
   * `analyzeAfter` events, and a tenth of the log since the last time, the runner analyzes its
   * live tables (a sample: about a second at a million rows; it does not block reads or writes).
   * A failure is only logged: the read model is not wrong.
   */
  private async analyzeIfGrown(position: number): Promise<void> {
    const due = Math.max(this.analyzeAfter, Math.floor(this.analyzedAt / 10));
    if (this.appliedSinceAnalyze < due) return;
    const applied = this.appliedSinceAnalyze;
    try {
      for (const table of Object.values(this.projection.tables))
        await sql`analyze ${sql.table(table)}`.execute(this.store.db);
      this.logger.log(`analyzed its tables after catching up ${applied} events`);
    } catch (error) {
      // Unreachable store: the loop retries, and this with it.
      if (isTransientError(error)) throw error;
      this.logger.warn(
        `could not analyze its tables: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.appliedSinceAnalyze = 0;
    this.analyzedAt = position;
  }

  private async lockRow(trx: Kysely<Database>) {
    return trx
      .selectFrom('event_store.projections')
      .select(['status', 'transaction_id', 'position', 'rebuild'])
      .where('name', '=', this.projection.name)
      .forUpdate()
      .executeTakeFirst();
  }

  private async commit(from: LogCheckpoint, events: readonly StoredEvent[]): Promise<void> {
    const last = events[events.length - 1]!;
    const to: LogCheckpoint = { transactionId: last.transactionId, position: last.position };
    await this.store.db.transaction().execute(async (trx) => {
      const row = await this.lockRow(trx);
      if (
        !row ||
        !FOLLOWING.includes(row.status) ||
        String(row.transaction_id) !== from.transactionId ||
        Number(row.position) !== from.position
      ) {
        throw new CheckpointMovedError();
      }
      await prepareAndWrite(this.projection, trx, events, this.projection.tables, {
        rebuilding: false,
      });
      await this.setCheckpoint(trx, to);
    });
    this.appliedSinceAnalyze += events.length;
    this.progress.advance(this.projection.name, to);
  }

  private async setCheckpoint(trx: Kysely<Database>, to: LogCheckpoint): Promise<void> {
    await trx
      .updateTable('event_store.projections')
      .set({ transaction_id: to.transactionId, position: to.position, updated_at: sql`now()` })
      .where('name', '=', this.projection.name)
      .execute();
    await sql`select pg_notify('projection_progress', ${this.projection.name})`.execute(trx);
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

  // ---- rebuild ----

  private async saveRebuild(trx: Kysely<Database>, rebuild: RebuildState): Promise<void> {
    await trx
      .updateTable('event_store.projections')
      .set({ rebuild: JSON.stringify(rebuild), updated_at: sql`now()` })
      .where('name', '=', this.projection.name)
      .execute();
    this.options.onRebuildProgress?.(this.projection.name, rebuild);
  }

  /** One batch of the copy, or the final swap or comparison. True when there was work. */
  private async rebuildStep(rebuild: RebuildState): Promise<boolean> {
    const copies = rebuildTables(this.projection);
    if (!rebuild.prepared) {
      await this.store.db.transaction().execute(async (trx) => {
        // Keys only: maintaining the other indexes row by row (GIN above all) costs the copy
        // far more than building them once at the end.
        for (const [key, live] of Object.entries(this.projection.tables)) {
          const copy = copies[key]!;
          await sql`drop table if exists ${sql.table(copy)}`.execute(trx);
          await sql`create table ${sql.table(copy)} (like ${sql.table(live)} including all excluding indexes)`.execute(
            trx,
          );
          for (const key of await keyConstraints(trx, live))
            await sql`alter table ${sql.table(copy)} add constraint ${sql.id(key.name)} ${sql.raw(key.def)}`.execute(
              trx,
            );
        }
        await this.saveRebuild(trx, { ...rebuild, prepared: true, indexed: false });
      });
      return true;
    }
    const from: LogCheckpoint = {
      transactionId: rebuild.transactionId,
      position: rebuild.position,
    };
    const events = await this.readCopyEvents(from);
    if (events.length === 0 && rebuild.indexed === false) {
      await this.indexCopies(rebuild, copies);
      return true;
    }
    if (events.length === 0) {
      await this.finishRebuild(copies);
      return true;
    }
    const last = events[events.length - 1]!;
    await this.store.db
      .transaction()
      .execute(async (trx) => {
        const row = await this.lockRow(trx);
        const current = row?.rebuild;
        if (
          !row ||
          row.status !== 'rebuilding' ||
          !current ||
          current.position !== rebuild.position
        ) {
          throw new CheckpointMovedError();
        }
        // Several batches per transaction (nobody sees the copy before the swap, so committing
        // each is only overhead), applied a batch at a time so that memory stays two batches'.
        await this.writeOverlapped(trx, events, copies, { rebuilding: current.indexed === false });
        await this.saveRebuild(trx, {
          ...current,
          transactionId: last.transactionId,
          position: last.position,
          processed: current.processed + events.length,
        });
      })
      .catch(async (error: unknown) => {
        this.prefetched = undefined;
        this.preparedAhead = undefined;
        if (error instanceof CheckpointMovedError) return;
        if (isTransientError(error)) throw error;
        await this.failRebuild(error);
      });
    return true;
  }

  /**
   * Applies `events` a batch at a time, preparing each batch while PostgreSQL runs the previous
   * batch's writes: Node and the server then work at once instead of in turn. On PostgreSQL
   * the preparation reads the log on another connection of the pool (the events and their
   * history are below the log's safe horizon, so any snapshot sees them whole); the embedded
   * store has one session, so there it reads on the transaction, between the statements of the
   * writes before it (the writes never touch the log, so the read is the same).
   */
  private async writeOverlapped(
    trx: Kysely<Database>,
    events: readonly StoredEvent[],
    tables: Readonly<Record<string, string>>,
    context: ApplyContext,
  ): Promise<void> {
    const onPostgres = this.store.kind === 'postgres';
    const log = onPostgres ? this.store.db : trx;
    let writing: Promise<void> = Promise.resolve();
    for (let start = 0; start < events.length; start += this.batchSize) {
      const batch = events.slice(start, start + this.batchSize);
      const ahead = start === 0 ? await this.takePreparedAhead(events, context) : undefined;
      // Both settle (or one fails) before the next batch starts, so no rejection goes unheard.
      const [, write] = await Promise.all([
        writing,
        ahead ?? this.projection.prepare(log, batch, tables, context),
      ]);
      writing = write(trx);
    }
    if (onPostgres) this.prepareAhead(log, tables, context);
    await writing;
  }

  /**
   * Starts preparing the first batch of the events read ahead (see `readCopyEvents`), so that
   * it is ready when the next step's transaction starts instead of that step beginning with
   * Node at work and the server idle. Only on PostgreSQL, where the preparation reads the log
   * on a connection of its own. A failure is forgotten: the next step then prepares it itself.
   */
  private prepareAhead(
    log: Kysely<Database>,
    tables: Readonly<Record<string, string>>,
    context: ApplyContext,
  ): void {
    const next = this.prefetched;
    if (!next) return;
    const prepared = next.events
      .then(async (events) =>
        events && events.length > 0
          ? {
              events,
              writes: await this.projection.prepare(
                log,
                events.slice(0, this.batchSize),
                tables,
                context,
              ),
            }
          : undefined,
      )
      .catch(() => undefined);
    this.preparedAhead = { prepared, rebuilding: context.rebuilding };
  }

  /** The writes prepared ahead for the first batch of `events`, if that is what they are for. */
  private async takePreparedAhead(
    events: readonly StoredEvent[],
    context: ApplyContext,
  ): Promise<BatchWrites | undefined> {
    const ahead = this.preparedAhead;
    this.preparedAhead = undefined;
    if (!ahead || ahead.rebuilding !== context.rebuilding) return undefined;
    const prepared = await ahead.prepared;
    // The very array the read ahead returned: the same events, from the same checkpoint.
    return prepared?.events === events ? prepared.writes : undefined;
  }

  /**
   * The copy's events after `after`: taken from the read started during the previous step when
   * it began there, else read now. When a full read comes back, the next one starts at once, on
   * another connection of the pool, so the log is read while these events are applied. (Such
   * a read never goes stale: the events below the snapshot's xmin are final, so it returns a
   * prefix of what a later read would. It holds no connection while waiting for another, so it
   * cannot deadlock with the transaction; on the embedded store the two just take turns.)
   */
  private async readCopyEvents(after: LogCheckpoint): Promise<StoredEvent[]> {
    const limit = this.batchSize * this.rebuildBatches;
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    const events =
      (prefetched && compareCheckpoints(prefetched.after, after) === 0
        ? await prefetched.events
        : undefined) ?? (await readLog(this.store.db, after, { limit }));
    const last = events[events.length - 1];
    if (last && events.length === limit) {
      const next = { transactionId: last.transactionId, position: last.position };
      this.prefetched = {
        after: next,
        // A failed read is simply made again by the next step.
        events: readLog(this.store.db, next, { limit }).catch(() => undefined),
      };
    }
    return events;
  }

  /**
   * Builds the copy's indexes other than its keys, as the live tables have them, lets the
   * projection complete what it left for the end, and gathers the copy's statistics.
   */
  private async indexCopies(rebuild: RebuildState, copies: Record<string, string>): Promise<void> {
    const entries = Object.entries(this.projection.tables);
    const indexes: RebuildCompletion[] = (
      await Promise.all(
        entries.map(([key, live]) => otherIndexes(this.store.db, live, copies[key]!)),
      )
    )
      .flat()
      .map((statement) => async (db) => {
        await sql.raw(statement).execute(db);
      });
    const completion = this.projection.completeRebuild?.(copies) ?? [];
    const moved = (row: { status: string; rebuild: RebuildState | null } | undefined) =>
      !row || row.status !== 'rebuilding' || row.rebuild?.position !== rebuild.position;
    const onPostgres = this.store.kind === 'postgres';
    await (async () => {
      if (onPostgres) {
        // Each index build commits on its own; each piece of the completion is a transaction.
        await this.twoAtATime(indexes);
        await this.twoAtATime(
          completion.map((piece) => () => this.store.db.transaction().execute(piece)),
        );
      }
      await this.store.db.transaction().execute(async (trx) => {
        const row = await this.lockRow(trx);
        if (moved(row)) throw new CheckpointMovedError();
        // The embedded store has one session: there everything runs here, one after another.
        if (!onPostgres) for (const work of [...indexes, ...completion]) await work(trx);
        // Fresh tables have no statistics until autovacuum gets to them: without these, a
        // filtered timeline read at 1M incidents planned a bitmap of half the table (500 ms)
        // instead of walking an index in order (1 ms).
        for (const copy of Object.values(copies))
          await sql`analyze ${sql.table(copy)}`.execute(trx);
        await this.saveRebuild(trx, { ...row!.rebuild!, indexed: true });
      });
    })().catch(async (error: unknown) => {
      if (error instanceof CheckpointMovedError) return;
      if (isTransientError(error)) throw error;
      // A build can fail because the rebuild was cancelled or restarted meanwhile (its copy
      // dropped): then there is nothing to report.
      if (moved(await this.store.db.transaction().execute((trx) => this.lockRow(trx)))) return;
      await this.failRebuild(error);
    });
  }

  /**
   * Runs work on the pool two pieces at a time, in the order given: PostgreSQL 15 builds a GIN
   * index, or runs an INSERT … SELECT, on one core, Node has nothing to do meanwhile, and the
   * machines this runs on have two. Every piece settles before this returns; the first failure
   * is then thrown, and no piece starts after it.
   */
  private async twoAtATime(work: readonly RebuildCompletion[]): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (next < work.length && !failure) {
        const piece = work[next++]!;
        await piece(this.store.db).catch((error: unknown) => {
          failure ??= { error };
        });
      }
    };
    await Promise.all([worker(), worker()]);
    if (failure) throw failure.error;
  }

  private async failRebuild(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`rebuild failed: ${message}`);
    await this.store.db.transaction().execute(async (trx) => {
      const row = await this.lockRow(trx);
      await trx
        .updateTable('event_store.projections')
        .set({
          status: 'running',
          rebuild: null,
          last_error: `rebuild failed: ${message}`,
          ...(row?.rebuild?.dryRun
            ? {
                verify: JSON.stringify({
                  status: 'failed',
                  differences: 0,
                  sample: [],
                  finishedAt: new Date().toISOString(),
                  error: message,
                } satisfies VerifyResult),
              }
            : {}),
          updated_at: sql`now()`,
        })
        .where('name', '=', this.projection.name)
        .execute();
      await this.dropCopies(trx);
    });
  }

  private async dropCopies(trx: Kysely<Database>): Promise<void> {
    for (const copy of Object.values(rebuildTables(this.projection))) {
      await sql`drop table if exists ${sql.table(copy)}`.execute(trx);
    }
  }

  // Applies events up to `until` (or to the head) to `tables`, after `from`; returns where it got.
  private async applyAll(
    trx: Kysely<Database>,
    from: LogCheckpoint,
    tables: Readonly<Record<string, string>>,
    until?: LogCheckpoint,
  ): Promise<{ checkpoint: LogCheckpoint; applied: number }> {
    let checkpoint = from;
    let applied = 0;
    for (;;) {
      const events = await readLog(trx, checkpoint, {
        limit: this.batchSize,
        ...(until ? { until } : {}),
      });
      if (events.length === 0) return { checkpoint, applied };
      await prepareAndWrite(this.projection, trx, events, tables, { rebuilding: false });
      const last = events[events.length - 1]!;
      checkpoint = { transactionId: last.transactionId, position: last.position };
      applied += events.length;
      if (events.length < this.batchSize) return { checkpoint, applied };
    }
  }

  private async finishRebuild(copies: Record<string, string>): Promise<void> {
    let finalCheckpoint: LogCheckpoint | undefined;
    let swapped = false;
    await this.store.db
      .transaction()
      .execute(async (trx) => {
        // Holding the row blocks the live batches: both sides end at one checkpoint.
        const row = await this.lockRow(trx);
        const rebuild = row?.rebuild;
        if (!row || row.status !== 'rebuilding' || !rebuild) throw new CheckpointMovedError();
        if (!rebuild.dryRun) await this.lockLiveTables(trx);
        const copy = await this.applyAll(
          trx,
          { transactionId: rebuild.transactionId, position: rebuild.position },
          copies,
        );
        const live = await this.applyAll(
          trx,
          { transactionId: String(row.transaction_id), position: Number(row.position) },
          this.projection.tables,
          copy.checkpoint,
        );
        const end = copy.checkpoint.position === 0 ? live.checkpoint : copy.checkpoint;
        if (rebuild.dryRun) {
          const verify = await this.compare(trx, copies);
          await trx
            .updateTable('event_store.projections')
            .set({
              status: 'running',
              rebuild: null,
              verify: JSON.stringify(verify),
              updated_at: sql`now()`,
            })
            .where('name', '=', this.projection.name)
            .execute();
          await this.dropCopies(trx);
          this.logger.log(`dry run: ${verify.differences} differences`);
        } else {
          for (const [key, liveTable] of Object.entries(this.projection.tables)) {
            const retired = `read_model_retired.${liveTable.split('.').pop()!}`;
            await sql`drop table if exists ${sql.table(retired)}`.execute(trx);
            await sql`alter table ${sql.table(liveTable)} set schema read_model_retired`.execute(
              trx,
            );
            await sql`alter table ${sql.table(copies[key]!)} set schema read_model`.execute(trx);
          }
          await trx
            .updateTable('event_store.projections')
            .set({ status: 'running', rebuild: null, last_error: null, error_position: null })
            .where('name', '=', this.projection.name)
            .execute();
          swapped = true;
          this.logger.log(
            `rebuild swapped in at position ${end.position} (${rebuild.processed + copy.applied} events)`,
          );
        }
        await this.setCheckpoint(trx, end);
        finalCheckpoint = end;
      })
      .catch(async (error: unknown) => {
        if (error instanceof CheckpointMovedError) return;
        if (isTransientError(error)) throw error;
        await this.failRebuild(error);
      });
    if (finalCheckpoint) this.progress.advance(this.projection.name, finalCheckpoint);
    // Readers that looked the old tables up before the swap are still reading them: drop them
    // a little later (or at the next rebuild, if this process stops first).
    if (swapped) {
      clearTimeout(this.retiredDrop);
      this.retiredDrop = setTimeout(() => {
        this.retiredDrop = undefined;
        void this.dropRetired();
      }, 5000).unref();
    }
  }

  /**
   * Takes every live table in access exclusive mode before the swap. Readers lock the tables a
   * query touches one by one, so waiting for one table while holding another could deadlock
   * with them, and PostgreSQL would then kill one side: possibly a reader. Each attempt waits at
   * most 200 ms (less than deadlock_timeout) and gives back what it got, so readers never fail.
   */
  private async lockLiveTables(trx: Kysely<Database>): Promise<void> {
    const tables = Object.values(this.projection.tables).map((t) => sql.table(t));
    for (let attempt = 1; ; attempt++) {
      await sql`savepoint swap_locks`.execute(trx);
      try {
        await sql`set local lock_timeout = '200ms'`.execute(trx);
        await sql`lock table ${sql.join(tables)} in access exclusive mode`.execute(trx);
        await sql`set local lock_timeout = 0`.execute(trx);
        await sql`release savepoint swap_locks`.execute(trx);
        return;
      } catch (error) {
        await sql`rollback to savepoint swap_locks`.execute(trx);
        const code = (error as { code?: unknown }).code;
        if (code !== '55P03' || attempt >= 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
      }
    }
  }

  private async dropRetired(): Promise<void> {
    try {
      for (const live of Object.values(this.projection.tables)) {
        const retired = `read_model_retired.${live.split('.').pop()!}`;
        await sql`drop table if exists ${sql.table(retired)}`.execute(this.store.db);
      }
    } catch (error) {
      this.logger.warn(
        `could not drop retired tables yet: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  // Every row of the live tables against the copy's, both ways; a sample of differing keys.
  private async compare(
    trx: Kysely<Database>,
    copies: Record<string, string>,
  ): Promise<VerifyResult> {
    let differences = 0;
    const sample: string[] = [];
    for (const [key, live] of Object.entries(this.projection.tables)) {
      const copy = copies[key]!;
      const result = await sql<{ side: string; row: string }>`
        (select 'live' as side, to_jsonb(l)::text as row from (select * from ${sql.table(live)} except all select * from ${sql.table(copy)}) l)
        union all
        (select 'rebuilt' as side, to_jsonb(c)::text as row from (select * from ${sql.table(copy)} except all select * from ${sql.table(live)}) c)`.execute(
        trx,
      );
      differences += result.rows.length;
      for (const row of result.rows) {
        if (sample.length >= 10) break;
        const parsed = JSON.parse(row.row) as Record<string, unknown>;
        const id = ['incident_id', 'version', 'line']
          .filter((k) => k in parsed)
          .map((k) => String(parsed[k]));
        sample.push(`${key}:${id.join('/')} (${row.side})`);
      }
    }
    return {
      status: differences === 0 ? 'passed' : 'failed',
      differences,
      sample,
      finishedAt: new Date().toISOString(),
    };
  }
}
