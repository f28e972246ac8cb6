import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrateToLatest, openStore } from '../src/database';
import { buildDataset } from './dataset';
import { createBenchDatabase, describeMachine } from './harness';
import type { RebuildWorkerResult } from './rebuild-worker';
import { measureReads } from './reads.bench';

// Builds a log of --incidents synthetic incidents (default 1,000,000; 5% of strikes corrected),
// then rebuilds each projection from scratch in its own process: events/s and peak RSS; then
// every read's p50/p99 on the rebuilt read models (--samples, default 200). --keep leaves the
// bench database in place (its URL is printed); --reuse <url> skips building and uses it.
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

void (async () => {
  const incidents = Number(flag('--incidents') ?? 1_000_000);
  const reuse = flag('--reuse');
  const keep = process.argv.includes('--keep') || reuse !== undefined;
  const database = reuse
    ? { url: reuse, drop: () => Promise.resolve() }
    : await createBenchDatabase();
  try {
    console.log(`${describeMachine()}`);
    const store = await openStore({ databaseUrl: database.url, poolSize: 8 });
    await migrateToLatest(store.db);
    if (!reuse) {
      const built = await buildDataset(store, incidents);
      console.log(
        `log: ${built.events} events written in ${built.seconds.toFixed(0)} s (${(built.events / built.seconds).toFixed(0)} events/s)`,
      );
    }
    const count = await sql<{ n: string }>`select count(*) as n from event_store.events`.execute(
      store.db,
    );
    const events = Number(count.rows[0]!.n);
    await store.close();
    for (const name of ['timeline', 'tallies']) {
      const out = execFileSync(process.execPath, [join(__dirname, 'rebuild-worker.js'), name], {
        env: { ...process.env, DATABASE_URL: database.url },
      }).toString();
      const r = JSON.parse(out) as RebuildWorkerResult;
      console.log(
        `rebuild ${name}: ${(events / r.seconds).toFixed(0)} events/s (${r.seconds.toFixed(0)} s), peak RSS ${r.maxRssMiB.toFixed(0)} MiB, ${r.status}`,
      );
    }
    const samples = Number(flag('--samples') ?? 200);
    const reads = await measureReads(database.url, samples);
    console.log(`\nReads at ${incidents.toLocaleString('en-US')} incidents:\n`);
    console.log('| read | p50 (ms) | p99 (ms) | sequential scans of big tables (EXPLAIN) |');
    console.log('| --- | --- | --- | --- |');
    for (const r of reads)
      console.log(
        `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.seqScans.length === 0 ? 'none' : r.seqScans.join(', ')} |`,
      );
  } finally {
    if (keep) console.log(`kept the bench database: ${database.url}`);
    else await database.drop();
  }
})();
