import { CommandRunner } from 'nest-commander';

type CommanderCommand = Parameters<CommandRunner['setCommand']>[0];

/** Thrown by commander (through exitOverride) instead of exiting: usage errors and help. */
export interface CommanderExit {
  code: string;
  exitCode: number;
}

/** True for what commander throws instead of exiting. */
export function isCommanderExit(error: unknown): error is CommanderExit {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('commander.')
  );
}

/**
 * Settings every command's parser shares. Commander copies none of them from the root to
 * commands added to it, and nest-commander builds each command on its own: they are applied
 * here, as each one is built.
 */
export function configureParser(command: CommanderCommand, leaf: boolean): void {
  // Throw rather than exit, so the CLI closes the store and picks the exit code (2 for usage).
  command.exitOverride((error) => {
    throw error;
  });
  command.showHelpAfterError('(add --help for usage)');
  if (leaf) command.allowExcessArguments(false);
}

/** A command: its parser throws instead of exiting and refuses stray arguments. */
export abstract class CliCommand extends CommandRunner {
  /** False for a command that only groups subcommands (it reports an unknown one itself). */
  protected readonly leaf: boolean = true;

  override setCommand(command: CommanderCommand): this {
    configureParser(command, this.leaf);
    return super.setCommand(command);
  }

  /** The parser of this command (the root is its parent, once the CLI is built). */
  parser(): CommanderCommand {
    return this.command;
  }
}

/** Writes a line of a command's output to stdout. */
export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}
