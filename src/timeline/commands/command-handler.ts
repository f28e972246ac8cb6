import { Injectable, type Type } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandProcessor } from './command-processor';
import type { CommandResult, TimelineCommand } from './timeline.command';

/**
 * Makes the handler of one command class. Every timeline command is handled the same way (load
 * the streams it touches, decide, append at the expected version), so each handler is this
 * class bound to its command.
 */
export function commandHandlerFor<C extends TimelineCommand>(
  command: Type<C>,
): Type<ICommandHandler<TimelineCommand, CommandResult>> {
  @Injectable()
  @CommandHandler(command)
  class Handler implements ICommandHandler<TimelineCommand, CommandResult> {
    constructor(readonly processor: CommandProcessor) {}

    async execute(c: TimelineCommand): Promise<CommandResult> {
      const [result] = await this.processor.execute([c]);
      return result!;
    }
  }
  Object.defineProperty(Handler, 'name', {
    value: `${command.name.replace(/Command$/, '')}Handler`,
  });
  return Handler;
}
