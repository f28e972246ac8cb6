import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './to-problem';

/** Sends a problem+json answer for an error; logs 5xx with the request's ids. */
export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
): void {
  const { problem, headers } = toProblem(error);
  if (problem.status >= 500) {
    const correlation = request.headers['x-correlation-id'];
    logger.error(
      `${request.method} ${request.url} → ${problem.status} (request ${request.id}${
        typeof correlation === 'string' ? `, correlation ${correlation}` : ''
      }): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  void reply
    .status(problem.status)
    .headers(headers)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(JSON.stringify(problem));
}

/** Renders every error as RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}
