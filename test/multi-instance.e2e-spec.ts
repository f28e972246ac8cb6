import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COMMANDS } from '../db/seeds';
import { TEST_KEYS } from './app-harness';
import { createTestDatabase, storesUnderTest } from './store-harness';

// Several processes on one PostgreSQL: each projection runs in exactly one of them.
const postgresOnly = storesUnderTest().filter((kind) => kind === 'postgres');
const strike = DEMO_COMMANDS.find((c) => c.command === 'report-strike')!;

interface Instance {
  child: ChildProcess;
  url: string;
  output: string[];
}

function start(databaseUrl: string, dataDir: string, name: string): Promise<Instance> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TIMELINE_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      TIMELINE_API_KEYS: `writer:writer:${TEST_KEYS.writer},reader:reader:${TEST_KEYS.reader}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(...text.split('\n').map((line) => `${name}: ${line}`));
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match) resolve({ child, url: match[1]!, output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`${name} exited with ${code}: ${output.join('\n')}`)),
    );
  });
}

function holdsProjections(instance: Instance): boolean {
  return instance.output.some((line) => /holding the projection lock/.test(line));
}

async function post(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/commands/report-strike`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...strike.body, incidentId: randomUUID(), eventId: randomUUID() }),
    });
    await response.text();
    return response.status === 201;
  } catch {
    return false;
  }
}

// describe.each refuses an empty table: without PostgreSQL the spec is skipped, by name.
(postgresOnly.length > 0 ? describe.each(postgresOnly) : describe.skip.each(['postgres']))(
  'several instances on %s',
  () => {
    let database: { url: string; drop(): Promise<void> };
    let dataDir: string;
    const instances: Instance[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      dataDir = await mkdtemp(join(tmpdir(), 'timeline-multi-'));
      instances.push(await start(database.url, dataDir, 'a'));
      instances.push(await start(database.url, dataDir, 'b'));
    }, 120_000);

    afterAll(async () => {
      for (const instance of instances) instance.child.kill('SIGKILL');
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('runs each projection in one instance; when it dies, the other takes over within 5 s and counts exactly', async () => {
      // Both serve HTTP and accept writes.
      let accepted = 0;
      for (let i = 0; i < 20; i++) if (await post(instances[i % 2]!.url)) accepted++;
      expect(accepted).toBe(20);
      // Exactly one of them holds the projections.
      const deadline = Date.now() + 10_000;
      while (!instances.some(holdsProjections) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const holders = instances.filter(holdsProjections);
      expect(holders).toHaveLength(1);
      const victim = holders[0]!;
      const survivor = instances.find((i) => i !== victim)!;

      // Writes go on (to the survivor) while the holder is killed.
      let writing = true;
      const writer = (async () => {
        while (writing) if (await post(survivor.url)) accepted++;
      })();
      await new Promise((r) => setTimeout(r, 300));
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      while (!holdsProjections(survivor) && Date.now() - killedAt < 10_000)
        await new Promise((r) => setTimeout(r, 20));
      const takeover = Date.now() - killedAt;
      await new Promise((r) => setTimeout(r, 500));
      writing = false;
      await writer;
      expect(holdsProjections(survivor)).toBe(true);
      process.stderr.write(`projection takeover after kill -9: ${takeover} ms\n`);
      expect(takeover).toBeLessThan(5000);

      // The survivor catches up: the tallies count every accepted strike exactly once, and the
      // timeline shows each (two projections, two runners: each is waited for).
      const last = await fetch(`${survivor.url}/v1/events?limit=1000`, {
        headers: { authorization: `Bearer ${TEST_KEYS.reader}` },
      });
      expect(last.status).toBe(200);
      const read = async (path: string): Promise<unknown> => {
        const response = await fetch(`${survivor.url}${path}`, {
          headers: { authorization: `Bearer ${TEST_KEYS.reader}` },
        });
        expect(response.status).toBe(200);
        return response.json();
      };
      let counted = -1;
      let shown = -1;
      const caughtUpFrom = Date.now();
      const until = caughtUpFrom + 15_000;
      while (Date.now() < until) {
        const tallies = (await read('/v1/tallies/strikes?groupBy=attacker')) as {
          totals: { strikes: number };
        };
        const page = (await read('/v1/timeline?limit=500&type=StrikeReported')) as {
          items: unknown[];
        };
        counted = tallies.totals.strikes;
        shown = page.items.length;
        if (counted >= accepted && shown >= Math.min(500, accepted)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      process.stderr.write(
        `read models caught up ${Date.now() - caughtUpFrom} ms after the last write\n`,
      );
      expect(counted).toBe(accepted);
      expect(shown).toBe(Math.min(500, accepted));
    }, 120_000);
  },
);
