import type { CommandBus } from '@nestjs/cqrs';
import { DEMO_COMMANDS } from '../../db/seeds';
import {
  createCommand,
  validateCommand,
  type CommandResult,
  type TimelineCommand,
} from '../timeline';

/** What loading the demo did. */
export interface SeedResult {
  appended: number;
  replayed: number;
}

/**
 * Loads the demo report through the command handlers, one command at a time (an exchange needs
 * its agreement first). Ids are fixed, so loading again replays and adds nothing.
 */
export async function seedDemo(commandBus: CommandBus): Promise<SeedResult> {
  const result: SeedResult = { appended: 0, replayed: 0 };
  for (const [i, demo] of DEMO_COMMANDS.entries()) {
    const validation = validateCommand(demo.command, demo.body);
    if (!validation.ok) {
      throw new Error(
        `demo command ${i} (${demo.command}) is invalid: ${JSON.stringify(validation.errors)}`,
      );
    }
    const command = createCommand(validation.value, {
      actor: 'demo',
      requestId: `demo-${i}`,
      correlationId: 'demo',
    });
    const answer = await commandBus.execute<TimelineCommand, CommandResult>(command);
    if (answer.status === 201) result.appended++;
    else result.replayed++;
  }
  return result;
}
