/** The CLI's exit codes. */
export const ExitCode = {
  ok: 0,
  /** A verify found differences, an ops action was refused, an import stopped, a step failed. */
  failed: 1,
  /** Wrong arguments or configuration: nothing was done. */
  usage: 2,
  /** The store could not be reached. */
  unreachable: 3,
  /** Interrupted (SIGINT/SIGTERM) before the end. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: its message is printed without a stack, and the process exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failed,
  ) {
    super(message);
  }
}

/** Wrong arguments (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The store could not be reached (exit 3). */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.unreachable);
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(messageOf).join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
