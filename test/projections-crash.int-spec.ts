import fc from 'fast-check';
import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import {
  readProjectionState,
  ProjectionProgress,
  ProjectionRunner,
  resetProjection,
  type BatchWrites,
  type Projection,
} from '../src/event-store';
import { talliesProjection } from '../src/projections/tallies/tallies.projection';
import { timelineProjection } from '../src/projections/timeline/timeline.projection';
import { CommandProcessor, type CommandResult } from '../src/timeline';
import { openTestStore, storesUnderTest, type TestStore } from './store-harness';
import { interpret, scriptArbitrary } from './support/history';
import {
  actualReads,
  dumpTables,
  emptyStore,
  expectedReads,
  logReadable,
  positionsOf,
  runnersFor,
  send,
} from './support/read-models';
import { replay, type SentCommand } from './support/reference';

const PROJECTIONS = [timelineProjection, talliesProjection];

// The runner logs the failures these tests cause on purpose.
Logger.overrideLogger(false);

/** A fixed history (the same every run) of single commands, for the crash tests. */
function fixedHistory(): SentCommand[] {
  const [script] = fc.sample(scriptArbitrary(30, 24), { seed: 20250524, numRuns: 1 });
  const groups = interpret({
    ...script!,
    // Every type, and one command per group: one event per command.
    slots: ['agreement', 'strike', 'exchange', 'casualties', 'warn', 'impose'],
    steps: script!.steps.map((s) => ({ ...s, joinPrevious: false })),
  });
  return groups.flatMap((g) => g.commands);
}

/** The tallies projection, but its writes throw after writing when `crash(events)` says so. */
function crashing(
  crash: (events: Parameters<Projection['prepare']>[1]) => boolean,
  after?: (trx: Parameters<BatchWrites>[0]) => Promise<void>,
): Projection & { calls: number } {
  const wrapper = {
    ...talliesProjection,
    calls: 0,
    async prepare(...args: Parameters<Projection['prepare']>): Promise<BatchWrites> {
      wrapper.calls++;
      const write = await talliesProjection.prepare(...args);
      return async (trx) => {
        await write(trx);
        if (after) await after(trx);
        // The writes are made; the transaction has not committed: a crash now.
        if (crash(args[1])) throw new Error('simulated crash before commit');
      };
    },
  };
  return wrapper;
}

describe.each(storesUnderTest())(
  'a crash between applying a batch and committing it on %s',
  (kind) => {
    let t: TestStore;
    let processor: CommandProcessor;
    let commands: SentCommand[];
    let results: CommandResult[];
    beforeAll(async () => {
      t = await openTestStore(kind);
      processor = new CommandProcessor(t.store);
      commands = fixedHistory();
      // Long enough, with corrections and retractions among the records.
      const names = commands.map((c) => c.name);
      expect(commands.length).toBeGreaterThanOrEqual(15);
      expect(names).toContain('correct-incident');
      expect(names).toContain('retract-incident');
      if (process.env.SHOW_HISTORY) process.stderr.write(`${JSON.stringify(names)}\n`);
    });
    afterAll(async () => {
      await t?.close();
    });

    beforeEach(async () => {
      await emptyStore(t.store.db, PROJECTIONS);
      await runnersFor(t.store, PROJECTIONS, 1); // registers them
      results = [];
      for (const [n, command] of commands.entries())
        results.push(...(await send(processor, [command], n)));
      // From here on, every catchUp processes the whole log.
      await logReadable(t.store.db);
    });

    /** The tallies' reads after the first `n` commands, by the reference. */
    function expectedTallies(n: number) {
      const {
        timeline: _t,
        timelineWithRetracted: _r,
        ...tallies
      } = expectedReads(replay(commands.slice(0, n)), positionsOf(results.slice(0, n)));
      return tallies;
    }

    async function actualTallies() {
      const { timeline: _t, timelineWithRetracted: _r, ...tallies } = await actualReads(t.store.db);
      return tallies;
    }

    async function resumeAndCheck(): Promise<void> {
      const db = t.store.db;
      await db
        .updateTable('event_store.projections')
        .set({ status: 'running' })
        .where('name', '=', 'tallies')
        .execute();
      const [runner] = await runnersFor(t.store, [talliesProjection], 4);
      await runner!.catchUp();
      expect(await actualTallies()).toEqual(expectedTallies(commands.length));
      // …and the very rows a run without any crash gives.
      const resumed = await dumpTables(db, talliesProjection);
      await db.transaction().execute((trx) => resetProjection(trx, talliesProjection));
      await runner!.catchUp();
      expect(await dumpTables(db, talliesProjection)).toEqual(resumed);
    }

    it('loses nothing and counts nothing twice when the first batch crashes (batches of 1)', async () => {
      const db = t.store.db;
      let first = true;
      const projection = crashing(() => {
        const crash = first;
        first = false;
        return crash;
      });
      const runner = new ProjectionRunner(t.store, projection, new ProjectionProgress(), {
        batchSize: 1,
      });
      await runner.catchUp();
      expect(projection.calls).toBe(1);
      const state = await readProjectionState(db, 'tallies');
      expect(state).toMatchObject({
        status: 'failed',
        lastError: 'simulated crash before commit',
        errorPosition: results[0]!.position,
        checkpoint: { position: 0 },
      });
      // The aborted transaction left nothing behind.
      const dump = await dumpTables(db, talliesProjection);
      for (const rows of Object.values(dump)) expect(rows).toEqual([]);
      // A failed projection does not move.
      await runner.catchUp();
      expect(projection.calls).toBe(1);
      await resumeAndCheck();
    });

    it.each([1000, 3])(
      'stops at the event whose batch crashes (batches of %i), everything before it applied once',
      async (batchSize) => {
        const db = t.store.db;
        const poisoned = Math.floor(commands.length / 2);
        const position = results[poisoned]!.position;
        const projection = crashing((events) => events.some((e) => e.position === position));
        const runner = new ProjectionRunner(t.store, projection, new ProjectionProgress(), {
          batchSize,
        });
        await runner.catchUp();
        const state = await readProjectionState(db, 'tallies');
        expect(state).toMatchObject({
          status: 'failed',
          lastError: 'simulated crash before commit',
          errorPosition: position,
          checkpoint: { position: results[poisoned - 1]!.position },
        });
        // Exactly the events before the poisoned one count, each once.
        expect(await actualTallies()).toEqual(expectedTallies(poisoned));
        await resumeAndCheck();
      },
    );

    if (kind === 'postgres') {
      it("loses nothing when the runner's connection is terminated in the middle of a batch", async () => {
        const db = t.store.db;
        let terminated = false;
        const projection = crashing(
          () => false,
          async (trx) => {
            if (terminated) return;
            terminated = true;
            const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
              trx,
            );
            await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(db);
          },
        );
        const runner = new ProjectionRunner(t.store, projection, new ProjectionProgress(), {
          batchSize: 1000,
        });
        await expect(runner.catchUp()).rejects.toThrow();
        expect(terminated).toBe(true);
        const state = await readProjectionState(db, 'tallies');
        expect(state).toMatchObject({ status: 'running', checkpoint: { position: 0 } });
        const dump = await dumpTables(db, talliesProjection);
        for (const rows of Object.values(dump)) expect(rows).toEqual([]);
        // The runner takes up where the committed checkpoint is.
        await runner.catchUp();
        expect(await actualTallies()).toEqual(expectedTallies(commands.length));
      });
    }
  },
);
