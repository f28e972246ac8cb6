import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Hashed bundles: their names change with their content, so they may be cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Timeline dashboard</title></head>
<body><h1>Timeline dashboard</h1>
<p>The dashboard has not been built. Run <code>npm run build</code> (or <code>npm run build:dashboard</code>) and restart the service.</p>
<p>The API is served under <a href="/docs">/v1 (see /docs)</a>.</p></body></html>
`;

/**
 * Where the built dashboard is: `dashboard/dist` at the project's root, found from this file in
 * `src/http/` (run by ts-node or Jest) or `dist/src/http/` (compiled).
 */
export function dashboardDir(): string | undefined {
  for (const up of ['../..', '../../..']) {
    const dir = resolve(__dirname, up, 'dashboard', 'dist');
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/**
 * Serves the analysts' dashboard (static files, no key) at `/`. Call before `listen`: the files
 * present now are the ones served (one route per file, so no wildcard route shadows the API's
 * own 404s). `index.html` is revalidated on every load; hashed assets are immutable. Gzip and
 * Brotli siblings written by the build are sent to clients that accept them.
 */
export async function registerDashboard(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const root = dashboardDir();
  if (!root) {
    fastify.get('/', (_request, reply) => {
      void reply
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT);
    });
    return;
  }
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    preCompressed: true,
    globIgnore: ['**/*.gz', '**/*.br', '**/*.map', 'build-report.json'],
    cacheControl: false,
    setHeaders: (reply, path) => {
      const hashed = /[\\/]assets[\\/]/.test(path);
      void reply.header('cache-control', hashed ? IMMUTABLE : 'no-cache');
      void reply.header('x-content-type-options', 'nosniff');
      if (!hashed) void reply.header('referrer-policy', 'no-referrer');
    },
  });
}
