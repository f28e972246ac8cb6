import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { problem, ProblemException } from './problem/problem';

const MiB = 1024 * 1024;

/** The largest body any route takes; Fastify stops reading past it. */
export const MAX_BODY_BYTES = 8 * MiB;

/** Body limit of a route: 8 MiB for a batch, 1 MiB for everything else. */
export function bodyLimitFor(url: string): number {
  return url === '/v1/batch' || url.startsWith('/v1/batch?') ? 8 * MiB : MiB;
}

function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match?.[1]?.toLowerCase();
}

/**
 * JSON only, UTF-8 only, per-route size limits, and no `__proto__` or `constructor.prototype`
 * keys. Every other media type is a 415.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (
      request: FastifyRequest,
      body: string | Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      const charset = charsetOf(request.headers['content-type']);
      if (charset && charset !== 'utf-8' && charset !== 'utf8') {
        done(
          new ProblemException(
            problem('unsupported-media-type', `Only UTF-8 JSON is accepted, not ${charset}.`),
          ),
        );
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      const limit = bodyLimitFor(request.url);
      if (Buffer.byteLength(text, 'utf8') > limit) {
        done(
          new ProblemException(
            problem(
              'payload-too-large',
              `The body is over ${limit / MiB} MiB, the limit of this route.`,
            ),
          ),
        );
        return;
      }
      try {
        done(
          null,
          secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }),
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        done(
          new ProblemException(
            problem('validation', `The body is not valid JSON: ${reason}`, {
              errors: [{ path: '', message: `is not valid JSON: ${reason}` }],
            }),
          ),
        );
      }
    },
  );
  fastify.addContentTypeParser(
    '*',
    (request: FastifyRequest, _payload, done: (error: Error | null, value?: unknown) => void) => {
      done(
        new ProblemException(
          problem(
            'unsupported-media-type',
            `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted; send application/json.`,
          ),
        ),
      );
    },
  );
}
