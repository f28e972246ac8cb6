/**
 * A rebuild prepares its next batch while PostgreSQL runs the writes of the one before, across
 * its transactions too: on PostgreSQL the preparation's history read goes to another connection
 * and comes back while those writes still run; the embedded store has one session, so there it waits its turn. Either
 * way the copy ends up with the same rows as the live tables. On PostgreSQL the copy's indexes
 * are built before the transaction that completes the rebuild, each committed alone, so a
 * rebuild that fails after them must find them there when it resumes.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import {
  appendToStreams,
  ensureProjection,
  ProjectionProgress,
  ProjectionRunner,
  readProjectionState,
  type BatchWrites,
  type Projection,
  type StreamAppend,
} from '../src/event-store';
import { requestRebuild } from '../src/ops/projections';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { CURRENT_SCHEMA_VERSION } from '../src/timeline';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { dumpTables, logReadable } from './support/read-models';
import { strikeAppend } from './support/strikes';

Logger.overrideLogger(['error', 'warn']);

const STRIKES = 30;
const METADATA = { actor: 'test', correlationId: 'test', causationId: 'test', requestId: 'test' };

function correction(streamId: string, n: number): StreamAppend {
  return {
    streamId,
    expectedVersion: 1,
    events: [
      {
        eventId: randomUUID(),
        type: 'IncidentCorrected',
        schemaVersion: CURRENT_SCHEMA_VERSION,
        data: { changes: { summary: `Strike ${n}, corrected` }, reason: 'A better source.' },
        metadata: METADATA,
      },
    ],
  };
}

/**
 * The timeline, whose writes start with a statement that keeps the session busy for a while,
 * and a record of whether each batch of corrections (which reads its incidents' history) was
 * ready while such a statement ran.
 */
function observed(): Projection & { log: string[] } {
  const log: string[] = [];
  let busy = false;
  return {
    ...timelineProjection,
    log,
    async prepare(...args: Parameters<Projection['prepare']>): Promise<BatchWrites> {
      const [, events] = args;
      const write = await timelineProjection.prepare(...args);
      if (events.some((e) => e.type === 'IncidentCorrected'))
        log.push(busy ? 'ready while a write ran' : 'ready');
      return async (trx) => {
        busy = true;
        try {
          await sql`select count(*) from generate_series(1, 400000)`.execute(trx);
        } finally {
          busy = false;
        }
        await write(trx);
      };
    },
  };
}

describe.each(storesUnderTest())('a rebuild on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await ensureProjection(t.store.db, timelineProjection);
    const strikes = Array.from({ length: STRIKES }, (_, n) => strikeAppend(n));
    await appendToStreams(t.store.db, strikes);
    await appendToStreams(
      t.store.db,
      strikes.map((s, n) => correction(s.streamId, n)),
    );
    await logReadable(t.store.db);
    await new ProjectionRunner(t.store, timelineProjection, new ProjectionProgress(), {
      batchSize: 10,
    }).catchUp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('prepares a batch while the one before is written, and builds the same rows', async () => {
    const live = await dumpTables(t.store.db, timelineProjection);
    // Two versions of each incident: the strike and its correction.
    expect(live['read_model.timeline']).toHaveLength(2 * STRIKES);
    const projection = observed();
    const runner = new ProjectionRunner(t.store, projection, new ProjectionProgress(), {
      batchSize: 5,
      rebuildBatches: 3,
    });
    expect(await requestRebuild(t.store.db, 'timeline', { dryRun: false })).toMatchObject({
      ok: true,
    });
    await runner.catchUp();
    await expectRebuiltAs(t, live);

    // 30 corrections in batches of 5, three batches a transaction: the second and third of each
    // transaction are prepared while the batch before them is written, and on PostgreSQL the
    // first too, while the transaction before writes its last batch. PostgreSQL reads their
    // history on another connection meanwhile; the embedded store, after the busy statement.
    expect(projection.log).toHaveLength(6);
    expect(projection.log.filter((entry) => entry === 'ready while a write ran')).toHaveLength(
      kind === 'postgres' ? 6 : 0,
    );
  });

  it('completes after a failure once the copy had some or all of its indexes', async () => {
    const live = await dumpTables(t.store.db, timelineProjection);
    const liveIndexes = await indexNames(t, 'read_model');
    // Fails the first completion with an error the runner retries (a serialization failure):
    // on PostgreSQL the indexes, each built in a transaction of its own, are there already.
    let failed = false;
    const projection: Projection = {
      ...timelineProjection,
      completeRebuild: () => [
        async () => {
          if (failed) return;
          failed = true;
          throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        },
      ],
    };
    const runner = new ProjectionRunner(t.store, projection, new ProjectionProgress(), {
      batchSize: 25,
    });
    expect(await requestRebuild(t.store.db, 'timeline', { dryRun: false })).toMatchObject({
      ok: true,
    });
    await expect(runner.catchUp()).rejects.toMatchObject({ code: '40001' });
    const built = await indexNames(t, 'read_model_rebuild');
    expect(built).toEqual(kind === 'postgres' ? liveIndexes : ['timeline_pkey']);
    await runner.catchUp();
    await expectRebuiltAs(t, live);
    // The swapped-in table has every index the live one had, by name.
    expect(await indexNames(t, 'read_model')).toEqual(liveIndexes);
  });
});

/** The rebuild has ended well, and left the live tables as they were before it. */
async function expectRebuiltAs(t: TestStore, live: Awaited<ReturnType<typeof dumpTables>>) {
  expect(await readProjectionState(t.store.db, 'timeline')).toMatchObject({
    status: 'running',
    rebuild: null,
    lastError: null,
  });
  expect(await dumpTables(t.store.db, timelineProjection)).toEqual(live);
}

/** The timeline's indexes in a schema, by name. */
async function indexNames(t: TestStore, schema: string): Promise<string[]> {
  const found = await sql<{ name: string }>`
    select indexname as name from pg_indexes
     where schemaname = ${schema} and tablename = 'timeline' order by indexname`.execute(
    t.store.db,
  );
  return found.rows.map((r) => r.name);
}
