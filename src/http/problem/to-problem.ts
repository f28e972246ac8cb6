import { HttpException } from '@nestjs/common';
import { isUnavailableError, StoreUnavailableError } from '../../event-store';
import {
  BatchCommandRejectedError,
  DomainError,
  ExpectedVersionMismatchError,
  InvalidCommandError,
  prefixErrors,
  UnresolvedReferenceError,
  type ProblemKind,
} from '../../timeline';
import { problem, ProblemException, type Problem, type ProblemType } from './problem';

/** A problem and the headers that go with it. */
export interface ProblemAnswer {
  problem: Problem;
  headers: Record<string, string>;
}

const KIND_TYPES: Record<ProblemKind, ProblemType> = {
  validation: 'validation',
  'not-found': 'not-found',
  conflict: 'conflict',
  unprocessable: 'unprocessable',
};

function domainProblem(error: DomainError, prefix?: string): Problem {
  const type = KIND_TYPES[error.problem];
  if (error instanceof InvalidCommandError) {
    const errors = prefix ? prefixErrors(prefix, error.errors) : error.errors;
    const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ');
    return problem(type, detail, { errors });
  }
  const extra: Partial<Problem> = {};
  if (error instanceof ExpectedVersionMismatchError) extra.currentVersion = error.currentVersion;
  if (error instanceof UnresolvedReferenceError) {
    extra.errors = [
      { path: prefix ? `${prefix}.${error.path}` : error.path, message: error.message },
    ];
  }
  return problem(type, error.message, extra);
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

const FASTIFY_CODES: Record<string, ProblemType> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported-media-type',
};

/** Maps any error to the problem the client sees. Unknown errors become a 500 `internal`. */
export function toProblem(error: unknown): ProblemAnswer {
  if (error instanceof ProblemException) return { problem: error.problem, headers: error.headers };
  if (error instanceof BatchCommandRejectedError) {
    const path = `commands[${error.index}]`;
    const inner = domainProblem(error.cause, `${path}.body`);
    if (!inner.errors) inner.errors = [{ path, message: error.cause.message }];
    inner.detail = `${path}: ${inner.detail}`;
    return { problem: inner, headers: {} };
  }
  if (error instanceof DomainError) return { problem: domainProblem(error), headers: {} };
  if (error instanceof StoreUnavailableError || isUnavailableError(error)) {
    return {
      problem: problem(
        'unavailable',
        'The event store cannot be reached; nothing was written. Try again shortly.',
      ),
      headers: { 'retry-after': '5' },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const type: ProblemType =
      status === 404
        ? 'not-found'
        : status === 413
          ? 'payload-too-large'
          : status === 415
            ? 'unsupported-media-type'
            : status === 401
              ? 'unauthorized'
              : status === 403
                ? 'forbidden'
                : status === 503
                  ? 'unavailable'
                  : status < 500
                    ? 'validation'
                    : 'internal';
    const base = problem(type, error.message);
    return { problem: status === base.status ? base : { ...base, status }, headers: {} };
  }
  const fastify = error as FastifyLikeError;
  if (typeof fastify?.code === 'string' && fastify.code in FASTIFY_CODES) {
    return { problem: problem(FASTIFY_CODES[fastify.code]!, String(fastify.message)), headers: {} };
  }
  if (
    typeof fastify?.statusCode === 'number' &&
    fastify.statusCode >= 400 &&
    fastify.statusCode < 500
  ) {
    const status = fastify.statusCode;
    return {
      problem: {
        ...problem(
          status === 413
            ? 'payload-too-large'
            : status === 415
              ? 'unsupported-media-type'
              : 'validation',
          String(fastify.message),
        ),
        status,
      },
      headers: {},
    };
  }
  return {
    problem: problem('internal', 'An unexpected error occurred; it has been logged.'),
    headers: {},
  };
}
