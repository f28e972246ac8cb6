import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openStore, type Store } from '../src/database';
import {
  checkpointAt,
  ensureProjection,
  onAppendedLocally,
  ProjectionProgress,
  ProjectionRunner,
} from '../src/event-store';
import { PROJECTIONS } from '../src/projections/projections.service';
import { CommandProcessor, createCommand, validateCommand } from '../src/timeline';
import { benchAppends } from './append.bench';
import { buildDataset, syntheticCommand } from './dataset';
import { measureReads } from './reads.bench';
import { createBenchDatabase, describeMachine, percentile, summarize } from './harness';

interface Options {
  quick: boolean;
  incidents: number;
  runs: number;
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    quick,
    incidents: Number(value('--incidents') ?? (quick ? 10_000 : 100_000)),
    runs: Number(value('--runs') ?? (quick ? 1 : 3)),
    out: value('--out') ?? (quick ? 'artifacts/BENCHMARKS.quick.md' : 'BENCHMARKS.md'),
  };
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

async function rawScanRate(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = process.hrtime.bigint();
  let after = 0;
  let rows = 0;
  for (;;) {
    const page = await client.query<{ position: string; data: unknown }>(
      'select position, event_id, stream_id, type, data, metadata from event_store.events where position > $1 order by position limit 1000',
      [after],
    );
    if (page.rows.length === 0) break;
    rows += page.rows.length;
    after = Number(page.rows[page.rows.length - 1]!.position);
  }
  await client.end();
  return rows / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function measureVisibility(store: Store, samples: number) {
  const progress = new ProjectionProgress();
  const runners = PROJECTIONS.map(
    (p) => new ProjectionRunner(store, p, progress, { batchSize: 1000 }),
  );
  for (const p of PROJECTIONS) await ensureProjection(store.db, p);
  await progress.refresh(store.db);
  const stop = onAppendedLocally(store.db, () => runners.forEach((r) => r.wake()));
  runners.forEach((r) => r.start());
  const processor = new CommandProcessor(store);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { command, body } = syntheticCommand(Math.random, i);
    const validation = validateCommand(command, body);
    if (!validation.ok) continue;
    const t0 = process.hrtime.bigint();
    const [result] = await processor.execute([
      createCommand(validation.value, { actor: 'bench', requestId: 'v', correlationId: 'v' }),
    ]);
    const target = await checkpointAt(store.db, result!.position);
    await progress.waitFor('timeline', target!, 10_000);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  stop();
  await Promise.all(runners.map((r) => r.stop()));
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const lines: string[] = [];
  const log = (line: string) => {
    process.stderr.write(`${line}\n`);
  };
  const pgVersion = await (async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const v = (await client.query<{ server_version: string }>('show server_version')).rows[0]!
      .server_version;
    const sc = (await client.query<{ synchronous_commit: string }>('show synchronous_commit'))
      .rows[0]!.synchronous_commit;
    await client.end();
    return `PostgreSQL ${v} (synchronous_commit=${sc}, other settings default)`;
  })();

  // 1. appends
  const appendRows: string[] = [];
  for (const c of [1, 16, 64]) {
    const ours: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const r = await benchAppends(c, options.quick ? 2000 : c === 1 ? 4000 : 20_000);
      ours.push(r.ours);
      raw.push(r.raw);
      log(`appends c=${c} run ${run + 1}: ours ${fmt(r.ours)}/s raw ${fmt(r.raw)}/s`);
    }
    const o = summarize(ours);
    const w = summarize(raw);
    appendRows.push(
      `| ${c} | ${fmt(o.median)} (${fmt(o.min)}–${fmt(o.max)}) | ${fmt(w.median)} (${fmt(w.min)}–${fmt(w.max)}) | ${fmt(o.median / w.median, 2)} |`,
    );
  }

  // 2.–5. one data set, rebuilt and read
  const batchRates: number[] = [];
  const rebuildRows: string[] = [];
  let readRows: string[] = [];
  let visibility = { p50: NaN, p99: NaN };
  for (let run = 0; run < options.runs; run++) {
    const database = await createBenchDatabase();
    try {
      const store = await openStore({ databaseUrl: database.url, poolSize: 8 });
      await migrateToLatest(store.db);
      const built = await buildDataset(store, options.incidents);
      batchRates.push(built.events / built.seconds);
      log(
        `data set: ${built.events} events in ${built.seconds.toFixed(1)} s (${fmt(built.events / built.seconds)}/s)`,
      );
      const scan = await rawScanRate(database.url);
      for (const p of PROJECTIONS) {
        const out = execFileSync(process.execPath, [join(__dirname, 'rebuild-worker.js'), p.name], {
          env: { ...process.env, DATABASE_URL: database.url },
        }).toString();
        const r = JSON.parse(out) as { seconds: number; maxRssMiB: number; status: string };
        log(
          `rebuild ${p.name}: ${fmt(built.events / r.seconds)}/s, peak RSS ${fmt(r.maxRssMiB)} MiB (${r.status})`,
        );
        rebuildRows.push(
          `| ${run + 1} | ${p.name} | ${fmt(built.events)} | ${fmt(built.events / r.seconds)} | ${fmt(r.maxRssMiB)} | ${fmt(scan)} |`,
        );
      }
      if (run === options.runs - 1) {
        const reads = await measureReads(database.url, options.quick ? 20 : 200);
        readRows = reads.map(
          (r) =>
            `| ${r.name} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.seqScans.length === 0 ? 'none' : r.seqScans.join(', ')} |`,
        );
        visibility = await measureVisibility(store, options.quick ? 20 : 200);
      }
      await store.close();
    } finally {
      await database.drop();
    }
  }
  const batch = summarize(batchRates);

  lines.push(
    '# Benchmarks',
    '',
    `Written by \`npm run bench${options.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()}.`,
    '',
    `- Machine: ${describeMachine()}`,
    `- Store: ${pgVersion}, on the same machine (loopback)`,
    `- Runs: ${options.runs} (medians, with min–max); data set: ${fmt(options.incidents)} synthetic incidents (60% strikes, 5% of strikes corrected)`,
    '- The machine is shared: compare ratios measured in the same run, not absolute numbers across runs.',
    '',
    '## Single-event appends in process vs a raw `pg` single-statement INSERT of the same row shape',
    '',
    '| concurrency | ours (events/s) | raw pg INSERT (rows/s) | ratio |',
    '| --- | --- | --- | --- |',
    ...appendRows,
    '',
    '## Batch append through the command processor (1,000 commands per call, validated)',
    '',
    `${fmt(batch.median)} events/s (${fmt(batch.min)}–${fmt(batch.max)})`,
    '',
    '## Full rebuild from the log (each projection alone, in its own process)',
    '',
    '| run | projection | events | events/s | peak RSS (MiB) | plain keyset scan of the log, JSON parsed (rows/s) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rebuildRows,
    '',
    `## Reads at ${fmt(options.incidents)} incidents (sequential, PostgreSQL)`,
    '',
    '| read | p50 (ms) | p99 (ms) | sequential scans of big tables (EXPLAIN) |',
    '| --- | --- | --- | --- |',
    ...readRows,
    '',
    '## Append → visible in the timeline (`minPosition` round trip, in process)',
    '',
    `p50 ${fmt(visibility.p50, 2)} ms, p99 ${fmt(visibility.p99, 2)} ms`,
    '',
  );
  writeFileSync(options.out, `${lines.join('\n')}\n`);
  log(`wrote ${options.out}`);
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
