import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { openStore } from '../src/database';
import { ensureProjection, ProjectionProgress, ProjectionRunner } from '../src/event-store';
import { requestRebuild } from '../src/ops/projections';
import { PROJECTIONS } from '../src/projections/projections.service';

// Rebuilds one projection from the log in its own process, so its peak RSS is its own: the
// rebuild ops ask for (copies built beside the live tables, indexed once caught up, swapped in).
// Usage: node rebuild-worker.js <projection> (DATABASE_URL names the database). Prints JSON.
/** What the worker prints (one JSON line): seconds in all and per phase, peak RSS, final state. */
export interface RebuildWorkerResult {
  seconds: number;
  copySeconds: number;
  indexSeconds: number;
  swapSeconds: number;
  maxRssMiB: number;
  status: string;
  error: string | null;
}

void (async () => {
  // Standard output carries the result alone.
  Logger.overrideLogger(false);
  const name = process.argv[2];
  const projection = PROJECTIONS.find((p) => p.name === name);
  if (!projection) throw new Error(`unknown projection ${name}`);
  // Three connections, as a rebuild in the service uses: its transaction, its read of the next
  // events, and its next batch's history read.
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL, poolSize: 3 });
  await ensureProjection(store.db, projection);
  // When the copy had caught up (its last batch written) and when its indexes were built.
  let copiedAt: bigint | undefined;
  let indexedAt: bigint | undefined;
  const runner = new ProjectionRunner(store, projection, new ProjectionProgress(), {
    batchSize: 1000,
    onRebuildProgress: (_name, rebuild) => {
      if (rebuild.indexed === false) copiedAt = process.hrtime.bigint();
      else indexedAt ??= process.hrtime.bigint();
    },
  });
  // The bench's live read model was never built: mark it at the head of the log (empty), so
  // that the rebuild, not a catch-up of the live tables at the swap, builds everything.
  await sql`
    update event_store.projections p
       set transaction_id = e.transaction_id, position = e.position
      from (select transaction_id, position from event_store.events
             order by transaction_id desc, position desc limit 1) e
     where p.name = ${name}`.execute(store.db);
  const started = process.hrtime.bigint();
  const asked = await requestRebuild(store.db, projection.name, { dryRun: false });
  if (!asked.ok) throw new Error(`rebuild of ${name} refused: ${JSON.stringify(asked)}`);
  await runner.catchUp();
  const finished = process.hrtime.bigint();
  const seconds = Number(finished - started) / 1e9;
  const phases = {
    copySeconds: Number((copiedAt ?? finished) - started) / 1e9,
    indexSeconds: Number((indexedAt ?? finished) - (copiedAt ?? started)) / 1e9,
    swapSeconds: Number(finished - (indexedAt ?? finished)) / 1e9,
  };
  const state = await store.db
    .selectFrom('event_store.projections')
    .select(['status', 'position', 'last_error'])
    .where('name', '=', projection.name)
    .executeTakeFirstOrThrow();
  await store.close();
  const result: RebuildWorkerResult = {
    seconds,
    ...phases,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    status: state.status,
    error: state.last_error,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
})();
