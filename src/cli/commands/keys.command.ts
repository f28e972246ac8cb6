import { Command, Option, SubCommand } from 'nest-commander';
import { ROLES, type Role } from '../../config';
import { isUniqueViolation } from '../../event-store';
import { CliCommand, print } from '../cli-command';
import { CliContext } from '../cli-context';
import { CliError, UsageError } from '../cli-errors';
import { terminal } from '../progress';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

/** Parses `reader` or `writer+reader`. */
export function parseRoles(raw: string): Role[] {
  const roles = raw.split('+').map((r) => r.trim());
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new UsageError(
        `--role: unknown role "${role}"; roles are ${ROLES.join(', ')} (join several with +)`,
      );
    }
  }
  return [...new Set(roles)] as Role[];
}

@SubCommand({
  name: 'create',
  description: 'make an API key and print its secret (once: the store keeps only its SHA-256)',
})
export class KeysCreateCommand extends CliCommand {
  constructor(private readonly context: CliContext) {
    super();
  }

  @Option({ flags: '--name <name>', description: 'the key name', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({
    flags: '--role <roles>',
    description: `roles, joined with +: ${ROLES.join(', ')}`,
    required: true,
  })
  parseRole(value: string): string {
    return value;
  }

  async run(_args: string[], options: { name: string; role: string }): Promise<void> {
    const name = options.name.trim();
    if (!NAME.test(name)) {
      throw new UsageError(
        `--name: "${options.name}" is not a key name (1 to 100 letters, digits, . _ @ -, starting with a letter or digit)`,
      );
    }
    const roles = parseRoles(options.role);
    const { apiKeys, store, config } = await this.context.openServices();
    const existing = await store.db
      .selectFrom('service.api_keys')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) throw new CliError(`a key named ${name} already exists; choose another name`);
    if (config.apiKeys.some((k) => k.name === name)) {
      throw new CliError(
        `TIMELINE_API_KEYS already configures a key named ${name}; choose another name`,
      );
    }
    let secret: string;
    try {
      secret = await apiKeys.create(name, roles);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new CliError(`a key named ${name} already exists; choose another name`);
      }
      throw error;
    }
    terminal.line(
      `key ${name} (${roles.join('+')}) created. Its secret is printed below, once: the store keeps only its SHA-256.`,
    );
    print(secret);
  }
}

@Command({
  name: 'keys',
  description: 'API keys',
  subCommands: [KeysCreateCommand],
})
export class KeysCommand extends CliCommand {
  protected override readonly leaf = false;

  async run(args: string[]): Promise<void> {
    throw new UsageError(
      args.length > 0
        ? `unknown command "keys ${args[0]}"; try: keys create`
        : 'keys needs a command: create',
    );
  }
}
