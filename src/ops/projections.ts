import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import {
  readHead,
  readProjectionState,
  type LogCheckpoint,
  type ProjectionStatus,
  type RebuildState,
  type VerifyResult,
} from '../event-store';

/** The outcome of an ops action: done, or why not (never thrown). */
export type OpsResult =
  { ok: true } | { ok: false; problem: 'not-found' | 'conflict'; error: string };

/** A projection as `GET /v1/projections` shows it. */
export interface ProjectionView {
  name: string;
  version: number;
  status: ProjectionStatus;
  position: number;
  headPosition: number;
  lag: number;
  lastError: string | null;
  errorPosition: number | null;
  updatedAt: string;
  rebuild?: { processed: number; total: number; startedAt: string; dryRun: boolean };
  verify?: VerifyResult;
}

async function countAfter(db: Kysely<Database>, checkpoint: LogCheckpoint): Promise<number> {
  const row = await sql<{ n: number }>`
    select count(*)::bigint as n from event_store.events
     where (transaction_id, position) > (${checkpoint.transactionId}::xid8, ${checkpoint.position}::bigint)
       and transaction_id < pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

/** Every projection's status, checkpoint, head, lag, last error, rebuild progress and last dry run. */
export async function listProjections(
  db: Kysely<Database>,
  names: readonly string[],
): Promise<ProjectionView[]> {
  const head = await readHead(db);
  const views: ProjectionView[] = [];
  for (const name of names) {
    const state = await readProjectionState(db, name);
    if (!state) continue;
    views.push({
      name,
      version: state.version,
      status: state.status,
      position: state.checkpoint.position,
      headPosition: head?.position ?? 0,
      lag: await countAfter(db, state.checkpoint),
      lastError: state.lastError,
      errorPosition: state.errorPosition,
      updatedAt: state.updatedAt.toISOString(),
      ...(state.rebuild
        ? {
            rebuild: {
              processed: state.rebuild.processed,
              total: state.rebuild.total,
              startedAt: state.rebuild.startedAt,
              dryRun: state.rebuild.dryRun,
            },
          }
        : {}),
      ...(state.verify ? { verify: state.verify } : {}),
    });
  }
  return views;
}

// Changes a projection's status under its row lock when it is in one of `from`.
async function transition(
  db: Kysely<Database>,
  name: string,
  from: readonly ProjectionStatus[],
  change: (trx: Kysely<Database>) => Promise<void>,
  verb: string,
): Promise<OpsResult> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('event_store.projections')
      .select('status')
      .where('name', '=', name)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, problem: 'not-found', error: `There is no projection ${name}.` };
    if (!from.includes(row.status)) {
      return {
        ok: false,
        problem: 'conflict',
        error: `Projection ${name} is ${row.status}; it can be ${verb} only when ${from.join(' or ')}.`,
      };
    }
    await change(trx);
    return { ok: true };
  });
}

/**
 * Starts a rebuild: the runner builds copies of the tables from the log while the live ones keep
 * answering, then swaps them in (or, with `dryRun`, compares them and keeps the live ones).
 */
export function requestRebuild(
  db: Kysely<Database>,
  name: string,
  options: { dryRun: boolean },
): Promise<OpsResult> {
  return transition(
    db,
    name,
    ['running', 'failed'],
    async (trx) => {
      const total = await sql<{
        n: number;
      }>`select count(*)::bigint as n from event_store.events`.execute(trx);
      const rebuild: RebuildState = {
        dryRun: options.dryRun,
        startedAt: new Date().toISOString(),
        total: Number(total.rows[0]?.n ?? 0),
        processed: 0,
        transactionId: '0',
        position: 0,
        prepared: false,
      };
      await trx
        .updateTable('event_store.projections')
        .set({
          status: 'rebuilding',
          rebuild: JSON.stringify(rebuild),
          ...(options.dryRun
            ? {
                verify: JSON.stringify({
                  status: 'running',
                  differences: 0,
                  sample: [],
                  finishedAt: null,
                } satisfies VerifyResult),
              }
            : {}),
          updated_at: sql`now()`,
        })
        .where('name', '=', name)
        .execute();
    },
    'rebuilt',
  );
}

/** Stops a running projection after its current batch. */
export function pauseProjection(db: Kysely<Database>, name: string): Promise<OpsResult> {
  return transition(
    db,
    name,
    ['running'],
    async (trx) => {
      await trx
        .updateTable('event_store.projections')
        .set({ status: 'paused', updated_at: sql`now()` })
        .where('name', '=', name)
        .execute();
    },
    'paused',
  );
}

/** Lets a paused projection follow the log again. */
export function resumeProjection(db: Kysely<Database>, name: string): Promise<OpsResult> {
  return transition(
    db,
    name,
    ['paused'],
    async (trx) => {
      await trx
        .updateTable('event_store.projections')
        .set({ status: 'running', updated_at: sql`now()` })
        .where('name', '=', name)
        .execute();
    },
    'resumed',
  );
}

/** Tries a failed projection again from the event it stopped at. */
export function retryProjection(db: Kysely<Database>, name: string): Promise<OpsResult> {
  return transition(
    db,
    name,
    ['failed'],
    async (trx) => {
      await trx
        .updateTable('event_store.projections')
        .set({ status: 'running', last_error: null, error_position: null, updated_at: sql`now()` })
        .where('name', '=', name)
        .execute();
    },
    'retried',
  );
}
