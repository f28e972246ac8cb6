import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config';
import { problem, ProblemException } from '../problem/problem';
import { ACCESS_KEY, type Access } from './access.decorator';
import { ApiKeysService, type ApiKey } from './api-keys.service';
import { RateLimiter } from './rate-limiter';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated key, set by the AuthGuard. */
    apiKey?: ApiKey;
  }
}

/**
 * The key a request authenticates with; throws a 401 problem when it has none or an unknown
 * one. Runs before the body is read (an onRequest hook on /v1), so an anonymous client cannot
 * make the service parse megabytes, and again in the guard for any route the hook skipped.
 */
export async function authenticateRequest(
  keys: ApiKeysService,
  request: FastifyRequest,
): Promise<ApiKey> {
  if (request.apiKey) return request.apiKey;
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  if (!match) {
    throw new ProblemException(
      problem('unauthorized', 'Send an API key as "Authorization: Bearer <secret>".'),
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
  const key = await keys.authenticate(match[1]!);
  if (!key) {
    throw new ProblemException(problem('unauthorized', 'The API key is not known.'), {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  request.apiKey = key;
  return key;
}

/**
 * Applies keys, roles and the per-key rate limit to every route. A route must declare its
 * access; one that does not is refused, so a forgotten decorator cannot open a route.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limiter = new RateLimiter(config.rateLimitPerMinute);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.apiKey ?? (await authenticateRequest(this.keys, request));
    const rate = this.limiter.take(key.name);
    if (!rate.ok) {
      throw new ProblemException(
        problem('rate-limited', `Key "${key.name}" is over its limit of requests per minute.`),
        { 'retry-after': String(rate.retryAfterSeconds) },
      );
    }
    if (!access || !(key.roles.includes('ops') || key.roles.includes(access))) {
      throw new ProblemException(
        problem(
          'forbidden',
          `Key "${key.name}" has roles ${key.roles.join(', ')}; this route needs ${access ?? 'a declared role'}.`,
        ),
      );
    }
    request.apiKey = key;
    return true;
  }
}
