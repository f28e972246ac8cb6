import { Logger } from '@nestjs/common';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { isUnavailableError } from '../event-store';
import { configureParser, isCommanderExit, type CliCommand } from './cli-command';
import { CliContext } from './cli-context';
import { CliError, ExitCode, messageOf } from './cli-errors';
import { CliLogger } from './cli-logger';
import { CliModule } from './cli.module';
import { MigrateCommand } from './commands/migrate.command';
import { terminal } from './progress';

/** The exit code for what a command threw, after saying what went wrong on stderr. */
function report(error: unknown, logger: CliLogger): ExitCode {
  if (isCommanderExit(error)) {
    // Commander has printed the message (or the help) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    return ExitCode.usage;
  }
  if (error instanceof CliError) {
    terminal.line(
      `${error.exitCode === ExitCode.usage ? 'usage error' : 'error'}: ${error.message}`,
    );
    return error.exitCode;
  }
  if (isUnavailableError(error)) {
    terminal.line(`error: the store became unreachable: ${messageOf(error)}`);
    return ExitCode.unreachable;
  }
  terminal.line(`error: ${messageOf(error)}`);
  if (logger.enabled('debug') && error instanceof Error && error.stack) terminal.line(error.stack);
  else terminal.line('(LOG_LEVEL=debug shows the stack)');
  return ExitCode.failed;
}

/**
 * Runs one command line (`argv` as process.argv: node, script, arguments) and resolves to its
 * exit code. The commands live in a small Nest context of their own; the store and the service's
 * modules are opened only by a command that needs them, and closed before this resolves.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const logger = new CliLogger(process.env.LOG_LEVEL);
  Logger.overrideLogger(logger);
  let failure: unknown;
  let failed = false;
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(logger), {
    logger,
    abortOnError: false,
    serviceErrorHandler: (error) => {
      failed = true;
      failure = error;
    },
    errorHandler: (error) => {
      throw error;
    },
  });
  const context = app.get(CliContext);
  // The root parser is the parent of every command's.
  const root = app.get<CliCommand>(MigrateCommand).parser().parent;
  if (root) {
    configureParser(root, false);
    root
      .name('cli')
      .description(
        "Operations on the timeline service's store, with the service's own modules. Same configuration as the service: DATABASE_URL (PostgreSQL) or the embedded store in TIMELINE_DATA_DIR. Exit codes: 0 done, 1 failed or refused, 2 usage, 3 store unreachable.",
      );
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(ExitCode.interrupted);
    terminal.line(`${signal}: stopping after the batch in flight (again to quit at once)`);
    context.interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await app.get(CommandRunnerService).run([...argv]);
  } finally {
    await app.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return failed ? report(failure, logger) : ExitCode.ok;
}
