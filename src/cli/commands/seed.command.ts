import { Command } from 'nest-commander';
import { seedDemo } from '../../ops';
import { CliCommand, print } from '../cli-command';
import { CliContext } from '../cli-context';

@Command({
  name: 'seed',
  description:
    'load the demo report (db/seeds) through the command handlers; loading it again adds nothing',
})
export class SeedCommand extends CliCommand {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const { commandBus } = await this.context.openServices();
    const result = await seedDemo(commandBus);
    print(`demo data: ${result.appended} incidents appended, ${result.replayed} already there`);
  }
}
