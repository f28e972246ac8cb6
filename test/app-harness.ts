import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '../src/config';
import type { StoreKind } from '../src/database';
import { createApp } from '../src/http/create-app';
import { openTestStore, type TestStore } from './store-harness';

/** Secrets of the keys every test app has, by role. */
export const TEST_KEYS = {
  writer: 'writer-secret-0123456789abcdef',
  reader: 'reader-secret-0123456789abcdef',
  ops: 'ops-secret-0123456789abcdef0123',
  ingest: 'ingest-secret-0123456789abcdef', // writer + reader
} as const;

export type KeyName = keyof typeof TEST_KEYS;

/** An HTTP answer, body parsed when it is JSON. */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** The real service on a real port over a fresh store. */
export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  store: TestStore;
  config: AppConfig;
  request<T = any>(
    method: string,
    path: string,
    options?: {
      key?: KeyName | null;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
    },
  ): Promise<Answer<T>>;
  close(): Promise<void>;
}

/**
 * Apps of one spec file start one after another, even when the spec asks for them together.
 * PGlite runs each statement on this thread and settles its promises at once, so opening and
 * migrating a store is one chain of microtasks: seconds in which the event loop never reaches
 * I/O. Started side by side, three apps' chains ran 16 s without a turn, and an app whose
 * `@fastify/static` was listing dashboard/dist (asynchronous fs) in that time failed Fastify's
 * 10 s plugin timeout.
 */
let starting: Promise<unknown> = Promise.resolve();

/** Starts the service on a fresh store of the given kind, listening on a free loopback port. */
export function startTestApp(
  kind: StoreKind,
  overrides: Partial<AppConfig> = {},
): Promise<TestApp> {
  const started = starting.then(() => startNow(kind, overrides));
  starting = started.catch(() => undefined);
  return started;
}

async function startNow(kind: StoreKind, overrides: Partial<AppConfig>): Promise<TestApp> {
  const store = await openTestStore(kind);
  const dataDir = await mkdtemp(join(tmpdir(), 'timeline-test-'));
  const config: AppConfig = {
    ...loadConfig({}),
    dataDir,
    logLevel: process.env.TEST_LOG ? 'warn' : 'silent',
    rateLimitPerMinute: 0,
    apiKeys: [
      { name: 'writer', roles: ['writer'], secret: TEST_KEYS.writer },
      { name: 'reader', roles: ['reader'], secret: TEST_KEYS.reader },
      { name: 'ops', roles: ['ops'], secret: TEST_KEYS.ops },
      { name: 'ingest', roles: ['writer', 'reader'], secret: TEST_KEYS.ingest },
    ],
    ...overrides,
  };
  // TEST_LOG=1 shows the service's own log (errors of 5xx answers included).
  const app = await createApp(config, store.store, process.env.TEST_LOG ? {} : { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    store,
    config,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? 'ops' : options.key;
      if (key) headers.authorization = `Bearer ${TEST_KEYS[key]}`;
      let body: string | undefined = options.raw;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      if (/json/.test(response.headers.get('content-type') ?? '') && text !== '')
        parsed = JSON.parse(text);
      return { status: response.status, headers: response.headers, body: parsed as any, text };
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
