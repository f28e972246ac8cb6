/**
 * A runner that has caught up a long stretch of the log analyzes its live tables, so that reads
 * are planned with statistics even where autovacuum has not run (or is off).
 */
import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { ensureProjection, ProjectionProgress, ProjectionRunner } from '../src/event-store';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { appendStrikes } from './support/strikes';

Logger.overrideLogger(['error', 'warn']);

/** Columns of the timeline table PostgreSQL has statistics for. */
async function columnsWithStatistics(t: TestStore): Promise<number> {
  const result = await sql<{ n: string }>`
    select count(*) as n from pg_stats where schemaname = 'read_model' and tablename = 'timeline'`.execute(
    t.store.db,
  );
  return Number(result.rows[0]!.n);
}

describe.each(storesUnderTest())('statistics of the read models on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await ensureProjection(t.store.db, timelineProjection);
  });
  afterAll(async () => {
    await t.close();
  });

  it('analyzes the live tables once a catch-up of enough events has ended', async () => {
    const runner = new ProjectionRunner(t.store, timelineProjection, new ProjectionProgress(), {
      batchSize: 20,
      analyzeAfter: 50,
    });
    await appendStrikes(t.store.db, 45);
    await runner.catchUp();
    const rows = await sql<{ n: string }>`select count(*) as n from read_model.timeline`.execute(
      t.store.db,
    );
    expect(Number(rows.rows[0]!.n)).toBe(45);
    // 45 applied: fewer than 50, no statistics yet.
    expect(await columnsWithStatistics(t)).toBe(0);
    await appendStrikes(t.store.db, 10);
    await runner.catchUp();
    expect(await columnsWithStatistics(t)).toBeGreaterThan(0);
  });
});
