import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type Logger as Pino } from 'pino';
import type { AppConfig } from '../../config';

/** The service's one JSON logger (stdout, one line per entry, level names, ISO times). */
export function createPinoLogger(level: AppConfig['logLevel']): Pino {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous, so nothing is lost when the process exits right after a log line.
    pino.destination({ dest: 1, sync: true }),
  );
}

/** The correlation id of a request: X-Correlation-Id when it is sane, else the request id. */
export function correlationIdOf(headers: IncomingMessage['headers'], requestId: string): string {
  const header = headers['x-correlation-id'];
  return typeof header === 'string' && /^[\x21-\x7e]{1,200}$/.test(header) ? header : requestId;
}

/**
 * Fastify's request logging, one line per request: when it completes, with the route pattern,
 * status and time. Every line logged through `request.log` carries `requestId` and
 * `correlationId` (see `childLoggerFactory` in createApp).
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // One line per request is enough: requestCompleted has everything.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const fields = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

/** Nest's LoggerService over pino: Nest's own lines (and every `new Logger(ctx)`) as JSON. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack?, context?).
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const stack = params.length > 1 ? params[0] : undefined;
    const fields: Record<string, unknown> = {};
    if (typeof context === 'string') fields.context = context;
    if (typeof stack === 'string' && stack !== '') fields.stack = stack;
    if (message instanceof Error) {
      this.pino.error({ ...fields, err: message }, message.message);
    } else {
      this.pino.error(fields, typeof message === 'string' ? message : JSON.stringify(message));
    }
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(
    level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    params: unknown[],
  ): void {
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const fields = typeof context === 'string' ? { context } : {};
    if (typeof message === 'string') this.pino[level](fields, message);
    else this.pino[level]({ ...fields, value: message }, '');
  }
}
