import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import {
  appendToStreams,
  ensureProjection,
  ProjectionProgress,
  ProjectionRunner,
  readProjectionState,
  type StreamAppend,
} from '../src/event-store';
import { queryStrikes } from '../src/projections/tallies/tallies.queries';
import { talliesProjection } from '../src/projections/tallies/tallies.projection';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import type { StoreKind } from '../src/database';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { logReadable } from './support/read-models';
import { strikeAppend } from './support/strikes';

// Only what goes wrong: the runners announce the locks they take.
Logger.overrideLogger(['error', 'warn']);

/** Events in all (PROJECTION_LOAD_EVENTS overrides; the check is 100,000). */
const TOTAL = Number(process.env.PROJECTION_LOAD_EVENTS ?? 100_000);
const WRITERS = 8;
/** Single-event streams per append (one transaction each). */
const PER_APPEND = 50;
const PROJECTIONS = [timelineProjection, talliesProjection];

function launchedOf(n: number): number {
  return (n % 5) + 1;
}

// PostgreSQL only: concurrent transactions committing out of order are what this is about.
const stores = storesUnderTest().filter((kind) => kind === 'postgres');
const describeStores =
  stores.length > 0 ? describe.each(stores) : describe.skip.each<StoreKind>(['postgres']);

describeStores('projections under concurrent writers on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    for (const p of PROJECTIONS) await ensureProjection(t.store.db, p);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`counts every one of ${TOTAL} events appended by ${WRITERS} writers exactly once`, async () => {
    const db = t.store.db;
    const progress = new ProjectionProgress();
    const runners = PROJECTIONS.map(
      (p) => new ProjectionRunner(t.store, p, progress, { batchSize: 1000, pollMs: 20 }),
    );
    for (const runner of runners) runner.start();

    const started = Date.now();
    const appends = Math.ceil(TOTAL / PER_APPEND);
    let next = 0;
    let expectedLaunched = 0;
    // Each writer takes the next append's numbers until all are taken.
    const writer = async () => {
      for (;;) {
        const first = next;
        if (first >= appends * PER_APPEND || first >= TOTAL) return;
        next += PER_APPEND;
        const batch: StreamAppend[] = [];
        for (let n = first; n < Math.min(first + PER_APPEND, TOTAL); n++) {
          batch.push(strikeAppend(n));
          expectedLaunched += launchedOf(n);
        }
        await appendToStreams(db, batch);
      }
    };
    // Meanwhile a reader: every answer is one state of the read model, its rows adding up to
    // its totals (however many batches commit while it is being read).
    let writing = true;
    const inconsistent: unknown[] = [];
    let reads = 0;
    const reader = async () => {
      while (writing) {
        const answer = await queryStrikes(db, {}, ['region']);
        reads++;
        const sum = (key: string) => answer.rows.reduce((n, r) => n + ((r[key] as number) ?? 0), 0);
        if (
          sum('strikes') !== answer.totals.strikes ||
          sum('launched') !== (answer.totals.launched ?? 0)
        )
          inconsistent.push(answer);
      }
    };
    const reading = reader();
    await Promise.all(Array.from({ length: WRITERS }, writer));
    writing = false;
    await reading;
    const written = Date.now();
    expect({ reads: reads > 0, inconsistent: inconsistent.slice(0, 3) }).toEqual({
      reads: true,
      inconsistent: [],
    });

    // A second runner of each projection catches up beside the running loops: every batch is a
    // compare-and-set on the checkpoint, so nothing is applied twice.
    await logReadable(db);
    await Promise.all(
      PROJECTIONS.map((p) =>
        new ProjectionRunner(t.store, p, progress, { batchSize: 500 }).catchUp(),
      ),
    );
    for (const runner of runners) await runner.stop();
    for (const runner of runners) await runner.catchUp();
    const caughtUp = Date.now();

    const head = await db
      .selectFrom('event_store.events')
      .select([sql<number>`count(*)`.as('n'), sql<number>`max(position)`.as('max')])
      .executeTakeFirstOrThrow();
    expect(Number(head.n)).toBe(TOTAL);
    for (const p of PROJECTIONS) {
      const state = await readProjectionState(db, p.name);
      expect(state).toMatchObject({ status: 'running', lastError: null });
    }

    const counts = await sql<{
      timeline: number;
      timeline_incidents: number;
      timeline_current: number;
      tally_incidents: number;
      tally_distinct: number;
      weapons: number;
      weapons_distinct: number;
    }>`
      select (select count(*) from read_model.timeline) as timeline,
             (select count(distinct incident_id) from read_model.timeline) as timeline_incidents,
             (select count(*) from read_model.timeline where valid_to is null) as timeline_current,
             (select count(*) from read_model.tally_incidents) as tally_incidents,
             (select count(distinct incident_id) from read_model.tally_incidents) as tally_distinct,
             (select count(*) from read_model.tally_weapons) as weapons,
             (select count(*) from (select distinct incident_id, version, line
                                      from read_model.tally_weapons) w) as weapons_distinct`.execute(
      db,
    );
    const row = Object.fromEntries(Object.entries(counts.rows[0]!).map(([k, v]) => [k, Number(v)]));
    expect(row).toEqual({
      timeline: TOTAL,
      timeline_incidents: TOTAL,
      timeline_current: TOTAL,
      tally_incidents: TOTAL,
      tally_distinct: TOTAL,
      weapons: TOTAL,
      weapons_distinct: TOTAL,
    });

    const strikes = await queryStrikes(db, {}, ['region']);
    expect(strikes.totals).toEqual({
      strikes: TOTAL,
      launched: expectedLaunched,
      intercepted: TOTAL,
      interceptionRate: TOTAL / expectedLaunched,
    });
    expect(strikes.rows.map((r) => [r.region, r.strikes])).toEqual([
      ['UA-12', Math.floor(TOTAL / 2)],
      ['UA-30', Math.ceil(TOTAL / 2)],
    ]);

    // Timings, for the report (stderr, not an assertion).
    process.stderr.write(
      `projections-concurrency: ${TOTAL} events by ${WRITERS} writers in ${written - started} ms; ` +
        `read models complete ${caughtUp - started} ms after the first append; ${reads} tallies read meanwhile\n`,
    );
  }, 300_000);
});
