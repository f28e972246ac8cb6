import type { FieldError } from './commands/validation';

/** The problem type a domain error maps to. */
export type ProblemKind = 'validation' | 'not-found' | 'conflict' | 'unprocessable';

/** Base of every rejection of a command by the domain; never an HTTP exception. */
export abstract class DomainError extends Error {
  abstract readonly problem: ProblemKind;
}

/** The command's body is not acceptable; every failing field is listed. */
export class InvalidCommandError extends DomainError {
  readonly problem = 'validation';
  constructor(readonly errors: FieldError[]) {
    super(`invalid command: ${errors.map((e) => `${e.path || '(body)'} ${e.message}`).join('; ')}`);
  }
}

/** No incident has this id. */
export class IncidentNotFoundError extends DomainError {
  readonly problem = 'not-found';
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} does not exist`);
  }
}

/** The incident was retracted and cannot change any more. */
export class IncidentRetractedError extends DomainError {
  readonly problem = 'conflict';
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} is retracted`);
  }
}

/** A new incident's id is taken by an incident with other content. */
export class IncidentAlreadyExistsError extends DomainError {
  readonly problem = 'conflict';
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} already exists with other content`);
  }
}

/** The incident is not at the version the command expected. */
export class ExpectedVersionMismatchError extends DomainError {
  readonly problem = 'conflict';
  constructor(
    readonly incidentId: string,
    readonly expectedVersion: number | 'none',
    readonly currentVersion: number,
  ) {
    super(`incident ${incidentId} is at version ${currentVersion}, expected ${expectedVersion}`);
  }
}

/** An event id is already used by another event. */
export class EventIdReusedError extends DomainError {
  readonly problem = 'conflict';
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already used with other content`);
  }
}

/** A reference in the command does not resolve (an agreementId that is no live agreement). */
export class UnresolvedReferenceError extends DomainError {
  readonly problem = 'unprocessable';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** A command of a batch was rejected; `index` is its place in the batch. */
export class BatchCommandRejectedError extends DomainError {
  readonly problem: ProblemKind;
  constructor(
    readonly index: number,
    override readonly cause: DomainError,
  ) {
    super(`commands[${index}]: ${cause.message}`);
    this.problem = cause.problem;
  }
}
