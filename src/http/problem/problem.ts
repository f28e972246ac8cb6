import type { FieldError } from '../../timeline';

/** The problem types of the contract (plus `internal`, for the 500 no input should reach). */
export type ProblemType =
  | 'validation'
  | 'unprocessable'
  | 'conflict'
  | 'not-found'
  | 'unauthorized'
  | 'forbidden'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'rate-limited'
  | 'unavailable'
  | 'internal';

const TITLES: Record<ProblemType, [number, string]> = {
  validation: [400, 'The request is not valid'],
  unprocessable: [422, 'A reference does not resolve'],
  conflict: [409, 'Conflict with the current state'],
  'not-found': [404, 'Not found'],
  unauthorized: [401, 'Missing or wrong API key'],
  forbidden: [403, 'The API key lacks the role'],
  'payload-too-large': [413, 'The request body is too large'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'rate-limited': [429, 'Too many requests'],
  unavailable: [503, 'The store is unavailable'],
  internal: [500, 'Internal error'],
};

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Builds a problem of a type, with its status and title. */
export function problem(type: ProblemType, detail: string, extra: Partial<Problem> = {}): Problem {
  const [status, title] = TITLES[type];
  return { type: `/problems/${type}`, title, status, detail, ...extra };
}

/** Thrown by the HTTP layer to answer with a problem (and headers such as Retry-After). */
export class ProblemException extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

// Control characters and lone surrogates can reach a path through a field's name: written out
// as \uXXXX text, the problem stays printable and storable (PostgreSQL's jsonb refuses both).
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A 400 listing every failing field. */
export function validationProblem(fieldErrors: FieldError[]): ProblemException {
  const errors = fieldErrors.map((e) => ({
    path: printable(e.path),
    message: printable(e.message),
  }));
  const detail =
    errors.length === 1
      ? `${errors[0]!.path || 'the body'} ${errors[0]!.message}`
      : `${errors.length} fields are invalid: ${errors.map((e) => e.path || '(body)').join(', ')}`;
  return new ProblemException(problem('validation', detail, { errors }));
}
