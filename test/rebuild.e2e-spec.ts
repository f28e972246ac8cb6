import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { DEMO_COMMANDS } from '../db/seeds';
import { startTestApp, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

const strike = DEMO_COMMANDS.find((c) => c.command === 'report-strike')!;

function newStrike(): Record<string, unknown> {
  return { ...strike.body, incidentId: randomUUID(), eventId: randomUUID() };
}

describe.each(storesUnderTest())('rebuild and verify on %s', (kind) => {
  let t: TestApp;
  let last = 0;

  async function write(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const r = await t.request('POST', '/v1/commands/report-strike', {
        key: 'writer',
        body: newStrike(),
      });
      expect(r.status).toBe(201);
      last = r.body.position;
    }
  }

  async function strikeCount(): Promise<number> {
    const r = await t.request('GET', '/v1/tallies/strikes?groupBy=attacker', { key: 'reader' });
    expect(r.status).toBe(200);
    return r.body.totals.strikes;
  }

  /** The tallies' tables' indexes (with their names) and key constraints' names. */
  async function talliesIndexes(): Promise<string[]> {
    const found = await sql<{ def: string }>`
      select indexdef as def from pg_indexes
       where schemaname = 'read_model' and tablename like 'tally%'
      union all
      select conrelid::regclass || ': constraint ' || conname from pg_constraint
       where conrelid in (select oid from pg_class
                           where relnamespace = 'read_model'::regnamespace and relname like 'tally%')
         and contype in ('p', 'u')`.execute(t.store.store.db);
    return found.rows.map((r) => r.def).sort();
  }

  async function settled(name: string): Promise<any> {
    for (;;) {
      const r = await t.request('GET', '/v1/projections', { key: 'ops' });
      expect(r.status).toBe(200);
      const entry = r.body.find((p: any) => p.name === name);
      if (entry.status !== 'rebuilding') return entry;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    for (const c of DEMO_COMMANDS) {
      const r = await t.request('POST', `/v1/commands/${c.command}`, {
        key: 'writer',
        body: c.body,
      });
      last = r.body.position;
    }
    await write(40);
  });
  afterAll(async () => t?.close());

  it('lists the projections with status, position, head and lag', async () => {
    await t.request('GET', `/v1/timeline?minPosition=${last}&waitMs=5000`, { key: 'reader' });
    const r = await t.request('GET', '/v1/projections', { key: 'ops' });
    expect(r.status).toBe(200);
    expect(r.body.map((p: any) => p.name).sort()).toEqual(['tallies', 'timeline']);
    const timeline = r.body.find((p: any) => p.name === 'timeline');
    expect(timeline).toMatchObject({ status: 'running', version: 1, lastError: null });
    expect(timeline.position).toBeGreaterThanOrEqual(last);
    expect(timeline.lag).toBe(0);
  });

  it('rebuilds while writes continue: reads never fail or go backwards, and every event is there after', async () => {
    await t.request('GET', `/v1/tallies/strikes?minPosition=${last}&waitMs=5000`, {
      key: 'reader',
    });
    const before = await strikeCount();
    const indexes = await talliesIndexes();
    const started = await t.request('POST', '/v1/projections/tallies/rebuild', { key: 'ops' });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('rebuilding');
    let seen = before;
    const writing = write(30);
    let done = false;
    const reading = (async () => {
      while (!done) {
        const n = await strikeCount();
        expect(n).toBeGreaterThanOrEqual(seen);
        seen = n;
      }
    })();
    await writing;
    const entry = await settled('tallies');
    done = true;
    await reading;
    expect(entry.status).toBe('running');
    expect(entry.rebuild).toBeUndefined();
    const after = await t.request(
      'GET',
      `/v1/tallies/strikes?groupBy=attacker&minPosition=${last}&waitMs=5000`,
      {
        key: 'reader',
      },
    );
    expect(after.body.meta.stale).toBe(false);
    expect(after.body.totals.strikes).toBe(before + 30);
    // The copy was built with its keys only and indexed once caught up: the same indexes and
    // keys, under the same names (a later migration that drops one by name finds it).
    expect(indexes.length).toBeGreaterThan(10);
    expect(await talliesIndexes()).toEqual(indexes);
  });

  it('a dry run on a healthy model reports 0 differences, and reports a row altered by hand', async () => {
    const dry = await t.request('POST', '/v1/projections/timeline/rebuild?dryRun=true', {
      key: 'ops',
    });
    expect(dry.status).toBe(202);
    const healthy = await settled('timeline');
    expect(healthy.verify).toMatchObject({ status: 'passed', differences: 0, sample: [] });

    await sql`update read_model.timeline set summary = 'tampered' where valid_to is null and incident_id = (
      select incident_id from read_model.timeline where valid_to is null order by position limit 1)`.execute(
      t.store.store.db,
    );
    await t.request('POST', '/v1/projections/timeline/rebuild?dryRun=true', { key: 'ops' });
    const drifted = await settled('timeline');
    expect(drifted.verify.status).toBe('failed');
    expect(drifted.verify.differences).toBe(2);
    expect(drifted.verify.sample).toHaveLength(2);
    expect(drifted.verify.sample.join(' ')).toMatch(/timeline:[0-9a-f-]{36}\/\d+ \(live\)/);
    // A dry run replaces nothing: the tampered row is still live.
    const tampered = await sql<{
      n: number;
    }>`select count(*)::int as n from read_model.timeline where summary = 'tampered'`.execute(
      t.store.store.db,
    );
    expect(tampered.rows[0]!.n).toBe(1);
  });

  it('pauses, resumes and refuses what does not apply', async () => {
    const paused = await t.request('POST', '/v1/projections/timeline/pause', { key: 'ops' });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect((await t.request('POST', '/v1/projections/timeline/pause', { key: 'ops' })).status).toBe(
      409,
    );
    expect(
      (await t.request('POST', '/v1/projections/timeline/rebuild', { key: 'ops' })).status,
    ).toBe(409);
    expect((await t.request('POST', '/v1/projections/timeline/retry', { key: 'ops' })).status).toBe(
      409,
    );
    await write(1);
    const stale = await t.request('GET', `/v1/timeline?minPosition=${last}&waitMs=50`, {
      key: 'reader',
    });
    expect(stale.body.meta.stale).toBe(true);
    const resumed = await t.request('POST', '/v1/projections/timeline/resume', { key: 'ops' });
    expect(resumed.body.status).toBe('running');
    const fresh = await t.request('GET', `/v1/timeline?minPosition=${last}&waitMs=5000`, {
      key: 'reader',
    });
    expect(fresh.body.meta.stale).toBe(false);
    expect((await t.request('POST', '/v1/projections/nope/pause', { key: 'ops' })).status).toBe(
      404,
    );
    expect(
      (await t.request('POST', '/v1/projections/timeline/pause', { key: 'ops', body: { x: 1 } }))
        .status,
    ).toBe(400);
    expect((await t.request('GET', '/v1/projections', { key: 'reader' })).status).toBe(403);
  });
});
