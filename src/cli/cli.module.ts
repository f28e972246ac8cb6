import { Module, type DynamicModule } from '@nestjs/common';
import { CLI_LOGGER, CliContext } from './cli-context';
import type { CliLogger } from './cli-logger';
import { ExportCommand } from './commands/export.command';
import { ImportCommand } from './commands/import.command';
import { KeysCommand, KeysCreateCommand } from './commands/keys.command';
import { MigrateCommand } from './commands/migrate.command';
import { ProjectionsCommand, PROJECTIONS_SUBCOMMANDS } from './commands/projections.command';
import { SeedCommand } from './commands/seed.command';

/** Every command, and the context they share (which opens the store and the service's modules). */
export const COMMANDS = [
  MigrateCommand,
  SeedCommand,
  ProjectionsCommand,
  ...PROJECTIONS_SUBCOMMANDS,
  ExportCommand,
  ImportCommand,
  KeysCommand,
  KeysCreateCommand,
];

/** The CLI's commands; nest-commander finds them among the providers. */
@Module({})
export class CliModule {
  static forRoot(logger: CliLogger): DynamicModule {
    return {
      module: CliModule,
      providers: [{ provide: CLI_LOGGER, useValue: logger }, CliContext, ...COMMANDS],
    };
  }
}
