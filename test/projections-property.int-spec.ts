import fc from 'fast-check';
import { readProjectionState, type ProjectionRunner, resetProjection } from '../src/event-store';
import { requestRebuild } from '../src/ops/projections';
import { createTalliesProjection } from '../src/projections/tallies/tallies.projection';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { CommandProcessor, type CommandResult } from '../src/timeline';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { interpret, scriptArbitrary, type CommandGroup } from './support/history';
import {
  actualReads,
  catchUpAll,
  catchUpFully,
  dumpTables,
  emptyStore,
  expectedReads,
  positionsOf,
  recordedMicros,
  runnersFor,
  send,
  type ReadFilter,
} from './support/read-models';
import { replay, type SentCommand } from './support/reference';

// A snapshot of the tally sums every 2 incident versions, so that "as of" reads start from
// snapshots taken at every kind of place in the histories (the service takes one every 20,000).
const talliesProjection = createTalliesProjection({ snapshotEvery: 2 });
const PROJECTIONS = [timelineProjection, talliesProjection];
/** Runs per property: small, the machine has two cores. PROPERTY_RUNS overrides. */
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 15);
const BATCH_SIZES = [1, 2, 3, 1000];

interface SentGroup {
  commands: SentCommand[];
  results: CommandResult[];
}

/** Sends every group, catching up (with the runners given) where the history says. */
async function sendAll(
  processor: CommandProcessor,
  groups: readonly CommandGroup[],
  runners: readonly ProjectionRunner[],
): Promise<SentGroup[]> {
  const sent: SentGroup[] = [];
  for (const [n, group] of groups.entries()) {
    sent.push({ commands: group.commands, results: await send(processor, group.commands, n) });
    if (group.catchUp) await catchUpAll(runners);
  }
  return sent;
}

/** Filters a read may take (beside none). */
const FILTERS: readonly ReadFilter[] = [
  { region: 'UA-30' },
  { region: 'UA-12' },
  { party: 'RU' },
  { party: 'UA' },
  { country: 'RU' },
  // Whole months: answered from the sums plus the spans that began before `from`.
  { from: '2025-05-01', to: '2025-05-31' },
  { from: '2025-06-01' },
  { to: '2025-05-31' },
  { from: '2025-04-15' },
  { to: '2025-04-30', party: 'RU' },
];

describe.each(storesUnderTest())('projections against a reference model on %s', (kind) => {
  let t: TestStore;
  let processor: CommandProcessor;
  beforeAll(async () => {
    t = await openTestStore(kind);
    processor = new CommandProcessor(t.store);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('equal the reference and a from-scratch rebuild, for random histories and batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        scriptArbitrary(30),
        fc.constantFrom(...BATCH_SIZES),
        fc.constantFrom(...BATCH_SIZES),
        fc.constantFrom(...FILTERS),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 3 }),
        async (script, batchSize, rebuildBatchSize, filter, asOfGroups) => {
          const db = t.store.db;
          await emptyStore(db, PROJECTIONS);
          const runners = await runnersFor(t.store, PROJECTIONS, batchSize);
          const sent = await sendAll(processor, interpret(script), runners);
          await catchUpFully(db, runners);

          const commands = sent.flatMap((g) => g.commands);
          const results = sent.flatMap((g) => g.results);
          const incidents = replay(commands);
          const positions = positionsOf(results);
          expect(await actualReads(db)).toEqual(expectedReads(incidents, positions));
          expect(await actualReads(db, filter)).toEqual(
            expectedReads(incidents, positions, filter),
          );

          // As of an instant: what had been recorded by then (recorded_at has microseconds, asOf
          // milliseconds: the groups recorded by the end of the millisecond of group k).
          const recorded = await recordedMicros(db);
          const micros = sent.map((g) => recorded.get(g.results[0]!.events[0]!.eventId)!);
          for (const k of asOfGroups.map((f) => Math.floor(f * sent.length))) {
            const asOfMs = Math.ceil(micros[k]! / 1000);
            const then = sent.filter((_, j) => micros[j]! <= asOfMs * 1000);
            expect(then.length).toBeGreaterThan(k);
            const asOf = new Date(asOfMs);
            expect({ k, reads: await actualReads(db, { asOf }) }).toEqual({
              k,
              reads: expectedReads(
                replay(then.flatMap((g) => g.commands)),
                positionsOf(then.flatMap((g) => g.results)),
              ),
            });
          }
          // Before anything was recorded: nothing.
          expect(
            (await actualReads(db, { asOf: new Date(Math.floor(micros[0]! / 1000) - 1) }))
              .timelineWithRetracted,
          ).toEqual([]);

          // Rebuilt from the log in batches of another size: the very same rows.
          const incremental = await Promise.all(PROJECTIONS.map((p) => dumpTables(db, p)));
          await db.transaction().execute(async (trx) => {
            for (const p of PROJECTIONS) await resetProjection(trx, p);
          });
          await catchUpFully(db, await runnersFor(t.store, PROJECTIONS, rebuildBatchSize));
          for (const p of PROJECTIONS) {
            expect(await readProjectionState(db, p.name)).toMatchObject({
              status: 'running',
              lastError: null,
            });
          }
          const rebuilt = await Promise.all(PROJECTIONS.map((p) => dumpTables(db, p)));
          expect(rebuilt).toEqual(incremental);

          // And the rebuild ops ask for (a copy built with its keys only, the tally sums and
          // snapshots summed at the end), as a dry run: no row differs from the live tables.
          for (const p of PROJECTIONS)
            expect(await requestRebuild(db, p.name, { dryRun: true })).toEqual({ ok: true });
          await catchUpFully(db, await runnersFor(t.store, PROJECTIONS, rebuildBatchSize));
          for (const p of PROJECTIONS) {
            expect((await readProjectionState(db, p.name))?.verify).toMatchObject({
              status: 'passed',
              differences: 0,
            });
          }
        },
      ),
      {
        numRuns: NUM_RUNS,
        // A loaded machine runs fewer cases rather than time out; a failure found is still
        // reported (shrunk as far as the time allowed).
        interruptAfterTimeLimit: 40_000,
        // FC_SEED (and FC_PATH) replay a reported failure.
        ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), endOnFailure: true } : {}),
        ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
      },
    );
  }, 120_000);
});
