import { openStore } from '../src/database';
import {
  ensureProjection,
  ProjectionProgress,
  ProjectionRunner,
  resetProjection,
} from '../src/event-store';
import { PROJECTIONS } from '../src/projections/projections.service';

// Rebuilds one projection from scratch in its own process, so its peak RSS is its own.
// Usage: node rebuild-worker.js <projection> (DATABASE_URL names the database). Prints JSON.
void (async () => {
  const name = process.argv[2];
  const projection = PROJECTIONS.find((p) => p.name === name);
  if (!projection) throw new Error(`unknown projection ${name}`);
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 });
  await ensureProjection(store.db, projection);
  await store.db.transaction().execute((trx) => resetProjection(trx, projection));
  const runner = new ProjectionRunner(store, projection, new ProjectionProgress(), {
    batchSize: 1000,
  });
  const started = process.hrtime.bigint();
  await runner.catchUp();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const state = await store.db
    .selectFrom('event_store.projections')
    .select(['status', 'position', 'last_error'])
    .where('name', '=', projection.name)
    .executeTakeFirstOrThrow();
  await store.close();
  process.stdout.write(
    `${JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, status: state.status, error: state.last_error })}\n`,
  );
})();
