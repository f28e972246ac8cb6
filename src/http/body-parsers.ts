import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import type { FieldError } from '../timeline';
import { problem, ProblemException, validationProblem } from './problem/problem';

const MiB = 1024 * 1024;

/** The largest body any route takes; Fastify stops reading past it. */
export const MAX_BODY_BYTES = 8 * MiB;

/** Body limit of a route: 8 MiB for a batch, 1 MiB for everything else. */
export function bodyLimitFor(url: string): number {
  return url === '/v1/batch' || url.startsWith('/v1/batch?') ? 8 * MiB : MiB;
}

/** The one route that takes NDJSON (streamed, without a size limit). */
const NDJSON_ROUTE = '/v1/import';

/** The deepest nesting of arrays and objects a body may have; valid bodies stay under 10. */
export const MAX_BODY_DEPTH = 64;

/**
 * The first part of a parsed body that no command can take and that would trip code walking it
 * recursively: nesting deeper than MAX_BODY_DEPTH (a stack overflow), or a `constructor` key
 * (class-transformer takes it for the value's class). Iterative, so any depth is safe here.
 */
export function findHostileShape(body: unknown): FieldError | undefined {
  interface Node {
    value: unknown;
    depth: number;
    parent?: Node;
    key?: string | number;
  }
  const pathOf = (node: Node): string => {
    let path = '';
    for (let n: Node | undefined = node; n?.parent; n = n.parent) {
      path = typeof n.key === 'number' ? `[${n.key}]${path}` : `.${String(n.key)}${path}`;
    }
    return path.replace(/^\./, '');
  };
  const isContainer = (value: unknown): value is object =>
    typeof value === 'object' && value !== null;
  const stack: Node[] = isContainer(body) ? [{ value: body, depth: 1 }] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth > MAX_BODY_DEPTH) {
      return { path: pathOf(node), message: `nests deeper than ${MAX_BODY_DEPTH} levels` };
    }
    const depth = node.depth + 1;
    if (Array.isArray(node.value)) {
      node.value.forEach((value: unknown, key) => {
        if (isContainer(value)) stack.push({ value, depth, parent: node, key });
      });
      continue;
    }
    for (const [key, value] of Object.entries(node.value as object)) {
      if (key === 'constructor') {
        return {
          path: pathOf({ value, depth, parent: node, key }),
          message: 'is not an allowed field',
        };
      }
      if (isContainer(value)) stack.push({ value, depth, parent: node, key });
    }
  }
  return undefined;
}

function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match?.[1]?.toLowerCase();
}

/**
 * JSON only, UTF-8 only, per-route size limits, no `__proto__` or `constructor` keys and no
 * nesting deeper than MAX_BODY_DEPTH. Every other media type is a 415.
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
      let parsed: unknown;
      try {
        parsed = secureJson.parse(text, undefined, {
          protoAction: 'error',
          constructorAction: 'error',
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        done(
          new ProblemException(
            problem('validation', `The body is not valid JSON: ${reason}`, {
              errors: [{ path: '', message: `is not valid JSON: ${reason}` }],
            }),
          ),
        );
        return;
      }
      const hostile = findHostileShape(parsed);
      if (hostile) {
        done(validationProblem([hostile]));
        return;
      }
      done(null, parsed);
    },
  );
  // NDJSON for POST /v1/import only, handed through as the raw stream: the import reads it line
  // by line as it arrives, so no body limit applies (any size, in constant memory).
  fastify.addContentTypeParser(
    'application/x-ndjson',
    (
      request: FastifyRequest,
      payload: NodeJS.ReadableStream,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      if (request.routeOptions.url !== NDJSON_ROUTE) {
        done(
          new ProblemException(
            problem(
              'unsupported-media-type',
              'application/x-ndjson is accepted only by POST /v1/import; send application/json.',
            ),
          ),
        );
        return;
      }
      done(null, payload);
    },
  );
  fastify.addContentTypeParser(
    '*',
    (request: FastifyRequest, _payload, done: (error: Error | null, value?: unknown) => void) => {
      done(
        new ProblemException(
          problem(
            'unsupported-media-type',
            `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted; send ${
              request.routeOptions.url === NDJSON_ROUTE
                ? 'application/x-ndjson'
                : 'application/json'
            }.`,
          ),
        ),
      );
    },
  );
}
