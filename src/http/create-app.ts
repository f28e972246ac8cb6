import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyChildLoggerFactory } from 'fastify/types/logger';
import type { Logger as Pino } from 'pino';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config';
import type { Store } from '../database';
import { ApiKeysService } from './auth/api-keys.service';
import { authenticateRequest } from './auth/auth.guard';
import { MAX_BODY_BYTES, registerBodyParsers } from './body-parsers';
import { setupOpenApi } from './openapi';
import { registerDashboard } from './dashboard';
import {
  correlationIdOf,
  createPinoLogger,
  PinoNestLogger,
  RequestLogController,
} from './observability/logging';
import { MetricsService } from './observability/metrics';

const childLoggerFactory: FastifyChildLoggerFactory = (logger, bindings, childOptions, raw) =>
  logger.child(
    { ...bindings, correlationId: correlationIdOf(raw.headers, String(bindings.requestId)) },
    childOptions,
  );

/** Builds the service over an opened, migrated store; the caller listens and closes. */
export async function createApp(
  config: AppConfig,
  store: Store,
  options: { logger?: LoggerService | false; pino?: Pino } = {},
): Promise<NestFastifyApplication> {
  // One pino for Fastify's request logs and Nest's: JSON lines on stdout.
  const pino = options.pino ?? createPinoLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: pino,
    logController: new RequestLogController(),
    // Every line logged for a request carries its requestId and correlationId.
    childLoggerFactory,
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
      logger: options.logger ?? (config.logLevel === 'silent' ? false : new PinoNestLogger(pino)),
      bodyParser: false,
      abortOnError: false,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify);
  const keys = app.get(ApiKeysService);
  // Every /v1 route needs a key: refuse a request without a valid one before reading its body.
  fastify.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/') || request.url === '/v1')
      await authenticateRequest(keys, request);
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => metrics.observeRequest(request, reply));
  closeSilentConnectionsOnClose(fastify.server, fastify);
  setupOpenApi(app);
  await registerDashboard(app);
  await app.init();
  await app.get(ApiKeysService).initialize();
  return app;
}

/**
 * A connection that has not sent a byte of a request (a client's spare, pre-opened one) is not
 * "idle" to Node, so it would hold the server's close up until the headers timeout (a minute).
 * Nothing is in flight on it: close it when the server closes.
 */
function closeSilentConnectionsOnClose(
  server: import('node:http').Server,
  fastify: { addHook(name: 'preClose', hook: () => Promise<void>): unknown },
): void {
  const silent = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    silent.add(socket);
    const forget = (): void => {
      silent.delete(socket);
    };
    socket.once('data', forget);
    socket.once('close', forget);
  });
  fastify.addHook('preClose', async () => {
    for (const socket of silent) socket.destroy();
  });
}
