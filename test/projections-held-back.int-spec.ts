/**
 * A runner whose read of the log is held back by a transaction in flight (anywhere on the server:
 * visibility is server-wide) looks again soon after that transaction ends, even though nothing
 * tells it so: its retries are capped at a fraction of a second, not stretched to the slow poll.
 * PostgreSQL only: the embedded store has one session, so nothing is ever in flight beside a read.
 */
import { Logger } from '@nestjs/common';
import {
  appendToStreams,
  ensureProjection,
  ProjectionProgress,
  ProjectionRunner,
} from '../src/event-store';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { holdTransaction } from './support/hold-transaction';
import { strikeAppend } from './support/strikes';

Logger.overrideLogger(['error', 'warn']);

const postgresOnly = storesUnderTest().filter((kind) => kind === 'postgres');
// Long enough for an uncapped doubling from 10 ms to reach a sleep of 5 s (10 · 2⁹).
const HOLD_MS = 6000;

async function timelineRows(t: TestStore): Promise<number> {
  const row = await t.store.db
    .selectFrom(timelineProjection.tables.timeline as 'read_model.timeline')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

(postgresOnly.length > 0 ? describe.each(postgresOnly) : describe.skip.each(['postgres' as const]))(
  'a runner held back on %s',
  (kind) => {
    let t: TestStore;
    let runner: ProjectionRunner;
    beforeAll(async () => {
      t = await openTestStore(kind);
      await ensureProjection(t.store.db, timelineProjection);
    });
    afterAll(async () => {
      await runner?.stop();
      await t?.close();
    });

    it('catches up soon after the holding transaction ends, with a slow poll of a minute', async () => {
      runner = new ProjectionRunner(t.store, timelineProjection, new ProjectionProgress(), {
        pollMs: 60_000,
      });
      runner.start();
      // A transaction with an id, begun before the appends: the log is read below it.
      const hold = await holdTransaction(t.databaseUrl!);
      await appendToStreams(
        t.store.db,
        Array.from({ length: 10 }, (_, i) => strikeAppend(i)),
      );
      runner.wake();
      await new Promise((r) => setTimeout(r, HOLD_MS));
      expect(await timelineRows(t)).toBe(0);

      await hold.commit();
      const committedAt = Date.now();
      let rows = 0;
      while (rows < 10 && Date.now() - committedAt < 10_000) {
        await new Promise((r) => setTimeout(r, 20));
        rows = await timelineRows(t);
      }
      const lag = Date.now() - committedAt;
      process.stderr.write(`held-back runner caught up ${lag} ms after the commit\n`);
      expect(rows).toBe(10);
      // About 0.1 s here; a back-off left to double would have slept until about 10.2 s after
      // the hold began (10 + 20 + … + 5,120 ms), over 4 s after the commit. The bound leaves a
      // loaded machine room without letting that through.
      expect(lag).toBeLessThan(2500);
    }, 30_000);
  },
);
