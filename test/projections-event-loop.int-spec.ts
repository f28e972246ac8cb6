/**
 * A projection catching up a long backlog lets the event loop turn between its batches, so the
 * service keeps answering meanwhile. On the embedded store this is not given: PGlite runs each
 * statement on the event loop's thread and settles it at once, so without a turn the whole
 * catch-up would be one chain of microtasks.
 */
import { Logger } from '@nestjs/common';
import { ensureProjection, ProjectionProgress, ProjectionRunner } from '../src/event-store';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { appendStrikes } from './support/strikes';

Logger.overrideLogger(['error', 'warn']);

const EVENTS = 3000;
const BATCH = 100;

describe.each(storesUnderTest())('a catch-up on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await ensureProjection(t.store.db, timelineProjection);
    await appendStrikes(t.store.db, EVENTS);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets the event loop turn at least once a batch', async () => {
    const runner = new ProjectionRunner(t.store, timelineProjection, new ProjectionProgress(), {
      batchSize: BATCH,
    });
    // Counts the event loop's turns: one check phase each.
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await runner.catchUp();
    counting = false;
    expect(turns).toBeGreaterThanOrEqual(EVENTS / BATCH);
  });
});
