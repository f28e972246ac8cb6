import { Command } from 'nest-commander';
import { migrations } from '../../../db/migrations';
import { CliCommand, print } from '../cli-command';
import { CliContext, describeStore } from '../cli-context';

@Command({
  name: 'migrate',
  description: 'apply the pending migrations of db/migrations and exit',
})
export class MigrateCommand extends CliCommand {
  constructor(private readonly context: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const { applied, config } = await this.context.openStore();
    const known = Object.keys(migrations).length;
    print(
      applied.length > 0
        ? `${describeStore(config)}: applied ${applied.length} migration${applied.length === 1 ? '' : 's'} (${applied.join(', ')}); ${known} of ${known} applied`
        : `${describeStore(config)}: up to date (${known} of ${known} migrations applied)`,
    );
  }
}
