/**
 * Import and export of the log over HTTP against PostgreSQL: events/s and the server's peak RSS.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/timeline_test \
 *     node dist/bench/import.bench.js [--events 1000000]
 *
 * Generates an NDJSON file of strike reports and corrections in the temp directory (deleted
 * afterwards), starts the built service (dist/src/main.js) on a fresh database with projections
 * off, streams the file to POST /v1/import, then GET /v1/export to a byte counter. The server's
 * peak RSS is its VmHWM, read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createBenchDatabase, describeMachine, sampleStrike } from './harness';

const KEY = 'bench-ops-secret-0123456789abcdef';

/** Writes `total` envelopes: streams of one StrikeReported and three IncidentCorrected. */
async function writeFile(path: string, total: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let streamId = '';
  const recorded = Date.parse('2025-05-24T00:00:00Z');
  for (let i = 0; i < total; i++) {
    const version = (i % 4) + 1;
    if (version === 1) streamId = `incident-${randomUUID()}`;
    const data =
      version === 1
        ? sampleStrike(i)
        : { changes: { summary: `Correction ${version} of event ${i}` }, reason: 'A later count.' };
    const line = `${JSON.stringify({
      eventId: randomUUID(),
      streamId,
      streamVersion: version,
      position: i + 1,
      type: version === 1 ? 'StrikeReported' : 'IncidentCorrected',
      schemaVersion: 1,
      occurredAt: '2025-05-23T21:00:00.000Z',
      recordedAt: new Date(recorded + i).toISOString(),
      data,
      metadata: { actor: 'bench', correlationId: randomUUID(), schemaVersion: 1 },
    })}\n`;
    bytes += line.length;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

async function startServer(
  databaseUrl: string,
  log: (line: string) => void,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      TIMELINE_PROJECTIONS: 'off',
      TIMELINE_API_KEYS: `bench:ops:${KEY}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffered);
      if (match) resolve(match[1]!);
      // Keep the progress lines of the import visible.
      for (const line of chunk.toString().split('\n'))
        if (line.includes('import:')) log(`  server: ${line}`);
    });
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}`)));
  });
  return { child, url };
}

/** The server's peak resident set so far, in MiB (Linux). */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

function post(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/import`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

function download(url: string): Promise<{ bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/export`,
      { headers: { authorization: `Bearer ${KEY}` } },
      (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ bytes, lines }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Imports `total` generated events, then (unless `importOnly`) imports them again and exports
 * them; returns rates and peak RSS (NaN for what was not run).
 */
export async function benchImportExport(
  total: number,
  options: { log?: (line: string) => void; importOnly?: boolean } = {},
): Promise<{
  reimportPerSecond: number;
  importPerSecond: number;
  exportPerSecond: number;
  peakRssImportMiB: number;
  peakRssExportMiB: number;
  idleRssMiB: number;
  fileMiB: number;
}> {
  const log = options.log ?? console.log;
  const file = join(tmpdir(), `timeline-import-bench-${process.pid}.ndjson`);
  const database = await createBenchDatabase('timeline_import_bench');
  let server: ChildProcess | undefined;
  try {
    const started = Date.now();
    await writeFile(file, total);
    const fileMiB = (await stat(file)).size / 2 ** 20;
    log(`generated ${total} events (${fileMiB.toFixed(0)} MiB) in ${Date.now() - started} ms`);
    const { child, url } = await startServer(database.url, log);
    server = child;
    const idleRssMiB = await rssMiB(child.pid!);

    // RSS every second of the import: flat, not growing with the file.
    const samples: number[] = [];
    const sampler = setInterval(() => {
      void rssMiB(child.pid!).then((mib) => samples.push(mib));
    }, 1000);
    let t0 = process.hrtime.bigint();
    const answer = await post(url, file);
    const importSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    if (answer.status !== 200) throw new Error(`import answered ${answer.status}: ${answer.body}`);
    const imported = (JSON.parse(answer.body) as { imported?: number }).imported;
    if (imported !== total)
      throw new Error(`import stored ${imported} of ${total}: ${answer.body}`);
    const peakRssImportMiB = await peakRssMiB(child.pid!);
    log(`import: ${answer.body} in ${importSeconds.toFixed(1)} s`);
    const quarter = (q: number): string =>
      (samples[Math.min(samples.length - 1, Math.floor((samples.length * q) / 4))] ?? NaN).toFixed(
        0,
      );
    log(
      `server RSS during the import at 1/4, 1/2, 3/4, end: ${[0, 1, 2, 3].map(quarter).join(', ')} MiB`,
    );
    const importPerSecond = total / importSeconds;
    if (options.importOnly) {
      const notRun = { reimportPerSecond: NaN, exportPerSecond: NaN, peakRssExportMiB: NaN };
      return { importPerSecond, peakRssImportMiB, idleRssMiB, fileMiB, ...notRun };
    }

    t0 = process.hrtime.bigint();
    const again = await post(url, file);
    const againSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    log(`import again: ${again.body} in ${againSeconds.toFixed(1)} s`);

    t0 = process.hrtime.bigint();
    const exported = await download(url);
    const exportSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (exported.lines !== total) throw new Error(`export gave ${exported.lines} lines`);
    const peakRssExportMiB = await peakRssMiB(child.pid!);
    log(
      `export: ${exported.lines} events, ${(exported.bytes / 2 ** 20).toFixed(0)} MiB in ${exportSeconds.toFixed(1)} s`,
    );
    return {
      reimportPerSecond: total / againSeconds,
      importPerSecond,
      exportPerSecond: total / exportSeconds,
      peakRssImportMiB,
      peakRssExportMiB,
      idleRssMiB,
      fileMiB,
    };
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await rm(file, { force: true });
    await database.drop();
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--events');
  const total = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
  console.log(describeMachine());
  benchImportExport(total)
    .then((result) => {
      console.log(
        [
          `import: ${Math.round(result.importPerSecond)} events/s, server peak RSS ${result.peakRssImportMiB.toFixed(0)} MiB (idle ${result.idleRssMiB.toFixed(0)} MiB)`,
          `import again (all skipped): ${Math.round(result.reimportPerSecond)} events/s`,
          `export: ${Math.round(result.exportPerSecond)} events/s, server peak RSS after it ${result.peakRssExportMiB.toFixed(0)} MiB`,
        ].join('\n'),
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
