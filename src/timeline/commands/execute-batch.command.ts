import { Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandProcessor } from './command-processor';
import type { CommandResult, TimelineCommand } from './timeline.command';

/** `POST /v1/batch`: every command in one transaction, all or nothing. */
export class ExecuteBatchCommand {
  constructor(readonly commands: readonly TimelineCommand[]) {}
}

/** Handles ExecuteBatchCommand. */
@Injectable()
@CommandHandler(ExecuteBatchCommand)
export class ExecuteBatchHandler implements ICommandHandler<ExecuteBatchCommand, CommandResult[]> {
  constructor(private readonly processor: CommandProcessor) {}

  execute(command: ExecuteBatchCommand): Promise<CommandResult[]> {
    return this.processor.execute(command.commands, { batch: true });
  }
}
