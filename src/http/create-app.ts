import { randomUUID } from 'node:crypto';
import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config';
import type { Store } from '../database';
import { ApiKeysService } from './auth/api-keys.service';
import { authenticateRequest } from './auth/auth.guard';
import { MAX_BODY_BYTES, registerBodyParsers } from './body-parsers';
import { setupOpenApi } from './openapi';
import { registerDashboard } from './dashboard'; // TEMP-DASHBOARD
import { sendProblem } from './problem/problem.filter';

const NEST_LEVELS: Record<AppConfig['logLevel'], LogLevel[] | false> = {
  silent: false,
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Builds the service over an opened, migrated store; the caller listens and closes. */
export async function createApp(
  config: AppConfig,
  store: Store,
  options: { logger?: LoggerService | false } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // A request the server has read when SIGTERM arrives is in flight: answer it (with
    // Connection: close), rather than Fastify's bare 503, which is not problem+json.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, store),
    adapter,
    {
      logger: options.logger ?? NEST_LEVELS[config.logLevel],
      bodyParser: false,
      abortOnError: false,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify);
  const logger = new Logger('http');
  fastify.setErrorHandler((error, request, reply) => sendProblem(error, request, reply, logger));
  const keys = app.get(ApiKeysService);
  // Every /v1 route needs a key: refuse a request without a valid one before reading its body.
  fastify.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/') || request.url === '/v1')
      await authenticateRequest(keys, request);
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  setupOpenApi(app);
  await registerDashboard(app); // TEMP-DASHBOARD
  await app.init();
  await app.get(ApiKeysService).initialize();
  return app;
}
