import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { migrateToLatest, openStore } from '../src/database';
import { buildDataset } from './dataset';
import { createBenchDatabase, describeMachine } from './harness';
import { measureReads } from './reads.bench';

// Builds a log of --incidents synthetic incidents (default 1,000,000; 5% of strikes corrected),
// then rebuilds each projection from scratch in its own process: events/s and peak RSS; then
// every read's p50/p99 on the rebuilt read models (--samples, default 200).
void (async () => {
  const i = process.argv.indexOf('--incidents');
  const incidents = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
  const database = await createBenchDatabase();
  try {
    const store = await openStore({ databaseUrl: database.url, poolSize: 8 });
    await migrateToLatest(store.db);
    const built = await buildDataset(store, incidents);
    await store.close();
    console.log(`${describeMachine()}`);
    console.log(
      `log: ${built.events} events written in ${built.seconds.toFixed(0)} s (${(built.events / built.seconds).toFixed(0)} events/s)`,
    );
    for (const name of ['timeline', 'tallies']) {
      const out = execFileSync(process.execPath, [join(__dirname, 'rebuild-worker.js'), name], {
        env: { ...process.env, DATABASE_URL: database.url },
      }).toString();
      const r = JSON.parse(out) as { seconds: number; maxRssMiB: number; status: string };
      console.log(
        `rebuild ${name}: ${(built.events / r.seconds).toFixed(0)} events/s (${r.seconds.toFixed(0)} s), peak RSS ${r.maxRssMiB.toFixed(0)} MiB, ${r.status}`,
      );
    }
    const s = process.argv.indexOf('--samples');
    const reads = await measureReads(database.url, s >= 0 ? Number(process.argv[s + 1]) : 200);
    console.log(`\nReads at ${incidents.toLocaleString('en-US')} incidents:\n`);
    console.log('| read | p50 (ms) | p99 (ms) | sequential scans of big tables (EXPLAIN) |');
    console.log('| --- | --- | --- | --- |');
    for (const r of reads)
      console.log(
        `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.seqScans.length === 0 ? 'none' : r.seqScans.join(', ')} |`,
      );
  } finally {
    await database.drop();
  }
})();
