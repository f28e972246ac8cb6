import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ConfigError, loadConfig } from './config';
import { migrateToLatest, openStore, type Store } from './database';
import { createApp } from './http/create-app';
import { createPinoLogger, PinoNestLogger } from './http/observability/logging';
import { seedDemo } from './ops';

const logger = new Logger('main');

// PostgreSQL may still be starting (docker-compose, a restart): wait for it rather than die.
async function openMigratedStore(config: ReturnType<typeof loadConfig>): Promise<Store> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    const store = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.poolSize,
    });
    try {
      const result = await migrateToLatest(store.db);
      const applied =
        result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
      if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
      return store;
    } catch (error) {
      await store.close().catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      if (!config.databaseUrl || Date.now() > deadline) throw error;
      logger.warn(`store not ready (attempt ${attempt}): ${message}; retrying in 2 s`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Every line as JSON through one pino, this file's included.
  const pino = createPinoLogger(config.logLevel);
  Logger.overrideLogger(new PinoNestLogger(pino));
  const demo = process.argv.includes('--demo');
  logger.log(
    config.databaseUrl
      ? 'store: PostgreSQL (DATABASE_URL)'
      : `store: embedded PGlite in ${config.dataDir} (for trying and developing: it does not flush to disk on commit; use PostgreSQL in production)`,
  );
  const store = await openMigratedStore(config);
  const app = await createApp(config, store, { pino });
  if (demo) {
    const seeded = await seedDemo(app.get(CommandBus));
    logger.log(
      `demo data: ${seeded.appended} incidents appended, ${seeded.replayed} already there`,
    );
  }
  await app.listen({ port: config.port, host: config.host });
  const bound = app.getHttpServer().address();
  const port = bound && typeof bound === 'object' ? bound.port : config.port;
  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.log(`listening on ${address} (dashboard ${address}/, API docs ${address}/docs)`);

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: finishing in-flight requests, then exiting`);
    void (async () => {
      try {
        await app.close();
        await store.close();
        process.exit(0);
      } catch (error) {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.error(`configuration: ${error.message}`);
  else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
