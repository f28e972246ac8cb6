/**
 * GET /metrics: Prometheus text without a key — request latency by route pattern, the appends
 * counter, projection position and lag, default process metrics.
 */
import { randomUUID } from 'node:crypto';
import { setRebuildProgress, clearRebuildProgress } from '../src/http/observability/metrics';
import { startTestApp, type TestApp } from './app-harness';
import { storesUnderTest } from './store-harness';

/** The value of one sample (`name{labels} value`), or undefined when absent. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value))
      return Number(match[3]);
  }
  return undefined;
}

function statement(): Record<string, unknown> {
  return {
    incidentId: randomUUID(),
    occurredAt: '2025-05-24',
    location: { country: 'UA' },
    speaker: 'Test speaker',
    text: 'Something was said.',
    summary: 'A statement.',
    sources: [{ name: 'Test wire' }],
  };
}

describe.each(storesUnderTest())('GET /metrics on %s', (kind) => {
  let t: TestApp;
  let paused: TestApp;

  async function scrape(app: TestApp = t): Promise<string> {
    const answer = await app.request('GET', '/metrics', { key: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    return answer.text;
  }

  beforeAll(async () => {
    [t, paused] = await Promise.all([
      startTestApp(kind),
      startTestApp(kind, { runProjections: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), paused?.close()]);
  });

  it('needs no key and has the default process metrics', async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(sample(text, 'timeline_store_up')).toBe(1);
  });

  it('times requests by route pattern and status, not by raw URL', async () => {
    const id = randomUUID();
    await t.request('GET', `/v1/events/${id}`, { key: 'reader' });
    await t.request('GET', '/v1/events?limit=1', { key: 'reader' });
    await t.request('GET', '/v1/events?limit=1', { key: null });
    const text = await scrape();
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/events/:eventId',
        status_code: '404',
      }),
    ).toBe(1);
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        route: '/v1/events',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        route: '/v1/events',
        status_code: '401',
      }),
    ).toBe(1);
    expect(
      sample(text, 'http_request_duration_seconds_bucket', {
        route: '/v1/events',
        status_code: '200',
        le: '+Inf',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(id);
  });

  it('counts events appended by commands', async () => {
    const before = sample(await scrape(), 'timeline_events_appended_total') ?? 0;
    for (let i = 0; i < 3; i++) {
      const answer = await t.request('POST', '/v1/commands/record-statement', {
        key: 'writer',
        body: statement(),
      });
      expect(answer.status).toBe(201);
    }
    const batch = await t.request('POST', '/v1/batch', {
      key: 'writer',
      body: {
        commands: [statement(), statement()].map((body) => ({ command: 'record-statement', body })),
      },
    });
    expect(batch.status).toBe(201);
    expect(sample(await scrape(), 'timeline_events_appended_total')).toBe(before + 5);
  });

  it('shows each projection position and lag, and their status', async () => {
    const answer = await t.request('POST', '/v1/commands/record-statement', {
      key: 'writer',
      body: statement(),
    });
    const position = answer.body.position as number;
    await t.request('GET', `/v1/timeline?minPosition=${position}&waitMs=10000`, { key: 'reader' });
    await t.request('GET', `/v1/tallies/incidents?minPosition=${position}&waitMs=10000`, {
      key: 'reader',
    });
    const text = await scrape();
    for (const projection of ['timeline', 'tallies']) {
      expect(sample(text, 'timeline_projection_position', { projection })).toBeGreaterThanOrEqual(
        position,
      );
      expect(sample(text, 'timeline_projection_lag_events', { projection })).toBe(0);
      expect(sample(text, 'timeline_projection_status', { projection, status: 'running' })).toBe(1);
    }
    expect(sample(text, 'timeline_log_head_position')).toBeGreaterThanOrEqual(position);
  });

  it('shows the lag of projections that do not run', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await paused.request('POST', '/v1/commands/record-statement', {
        key: 'writer',
        body: statement(),
      });
      expect(answer.status).toBe(201);
    }
    const text = await scrape(paused);
    // Registered by the running instance only: an instance that runs none shows none, or lag 2.
    const lag = sample(text, 'timeline_projection_lag_events', { projection: 'timeline' });
    if (lag !== undefined) expect(lag).toBe(2);
    expect(sample(text, 'timeline_log_head_position')).toBeGreaterThan(0);
  });

  it('shows rebuild progress set through setRebuildProgress', async () => {
    setRebuildProgress('timeline', 40, 100);
    try {
      const text = await scrape();
      expect(
        sample(text, 'timeline_projection_rebuild_processed_events', { projection: 'timeline' }),
      ).toBe(40);
      expect(
        sample(text, 'timeline_projection_rebuild_total_events', { projection: 'timeline' }),
      ).toBe(100);
    } finally {
      clearRebuildProgress('timeline');
    }
    const text = await scrape();
    expect(
      sample(text, 'timeline_projection_rebuild_processed_events', { projection: 'timeline' }),
    ).toBeUndefined();
  });
});
