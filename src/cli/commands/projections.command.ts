import { Command, Option, SubCommand } from 'nest-commander';
import type { Store } from '../../database';
import type { Projection, VerifyResult } from '../../event-store';
import {
  listProjections,
  pauseProjection,
  resumeProjection,
  retryProjection,
  type OpsResult,
  type ProjectionView,
} from '../../ops';
import { PROJECTIONS } from '../../projections/projections.service';
import { CliCommand, print } from '../cli-command';
import { CliContext } from '../cli-context';
import { CliError, UsageError } from '../cli-errors';
import { followRebuild } from '../follow-rebuild';
import { formatCount } from '../progress';
import { formatTable } from '../table';

const NAMES = PROJECTIONS.map((p) => p.name);

/** The projection a name names; a usage error (exit 2) when none does. */
function projectionOrThrow(name: string | undefined): Projection {
  const projection = PROJECTIONS.find((p) => p.name === name);
  if (!projection) {
    throw new UsageError(
      name === undefined
        ? `name a projection: ${NAMES.join(', ')}`
        : `there is no projection "${name}"; projections are ${NAMES.join(', ')}`,
    );
  }
  return projection;
}

function parseBatchSize(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100_000) {
    throw new UsageError(`--batch-size must be an integer from 1 to 100000, got "${value}"`);
  }
  return Number(value);
}

function shorten(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function describeVerify(verify: VerifyResult | undefined): string {
  if (!verify) return '-';
  if (verify.status === 'running') return 'running';
  const when = verify.finishedAt ? ` ${verify.finishedAt.slice(0, 19).replace('T', ' ')}Z` : '';
  if (verify.error) return `failed (error)${when}`;
  return `${verify.status}, ${formatCount(verify.differences)} diff${when}`;
}

function describeRebuild(view: ProjectionView): string {
  const rebuild = view.rebuild;
  if (!rebuild) return '-';
  const percent = rebuild.total > 0 ? Math.floor((rebuild.processed / rebuild.total) * 100) : 100;
  return `${rebuild.dryRun ? 'dry run' : 'rebuild'} ${formatCount(rebuild.processed)}/${formatCount(rebuild.total)} (${Math.min(percent, 100)}%)`;
}

/** The projections as a table, and each last error in full below it. */
export function formatProjections(views: readonly ProjectionView[]): string {
  const table = formatTable(
    [
      { heading: 'NAME' },
      { heading: 'VERSION', right: true },
      { heading: 'STATUS' },
      { heading: 'POSITION', right: true },
      { heading: 'HEAD', right: true },
      { heading: 'LAG', right: true },
      { heading: 'LAST ERROR' },
      { heading: 'REBUILD' },
      { heading: 'VERIFY' },
    ],
    views.map((v) => [
      v.name,
      String(v.version),
      v.status,
      String(v.position),
      String(v.headPosition),
      formatCount(v.lag),
      v.lastError ? shorten(v.lastError, 40) : '-',
      describeRebuild(v),
      describeVerify(v.verify),
    ]),
  );
  const notes = views.flatMap((v) => [
    ...(v.lastError
      ? [
          `${v.name}: ${v.lastError}${v.errorPosition !== null ? ` (at position ${v.errorPosition})` : ''}`,
        ]
      : []),
    ...(v.verify?.error ? [`${v.name}: last dry run failed: ${v.verify.error}`] : []),
  ]);
  return notes.length > 0 ? `${table}\n\n${notes.join('\n')}` : table;
}

/** Opens the store and registers the projections (as the service does at start). */
async function openProjections(context: CliContext): Promise<Store> {
  const { store } = await context.openServices();
  await context.registerProjections(store);
  return store;
}

@SubCommand({
  name: 'list',
  description:
    'every projection: version, status, position, head, lag, last error, rebuild, verify',
})
export class ProjectionsListCommand extends CliCommand {
  constructor(private readonly context: CliContext) {
    super();
  }

  @Option({ flags: '--json', description: 'print the list as JSON (as GET /v1/projections)' })
  parseJson(): boolean {
    return true;
  }

  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const store = await openProjections(this.context);
    const views = await listProjections(store.db, NAMES);
    print(options.json ? JSON.stringify(views, null, 2) : formatProjections(views));
  }
}

// Concrete commands declare their own constructors: Nest reads a decorated class's own
// parameter types, and one that only inherits a constructor would be given nothing.
abstract class RebuildCommand extends CliCommand {
  constructor(
    private readonly context: CliContext,
    private readonly dryRun: boolean,
  ) {
    super();
  }

  @Option({
    flags: '--batch-size <events>',
    description: 'events per batch (one transaction each) when this process runs it; default 1000',
  })
  parseBatchSize(value: string): string {
    return value;
  }

  async run(args: string[], options: { batchSize?: string }): Promise<void> {
    const projection = projectionOrThrow(args[0]);
    const batchSize =
      options.batchSize === undefined ? undefined : parseBatchSize(options.batchSize);
    const store = await openProjections(this.context);
    const { state, ranHere } = await followRebuild(store, projection, {
      dryRun: this.dryRun,
      ...(batchSize ? { batchSize } : {}),
      signal: this.context.interrupt.signal,
    });
    const name = projection.name;
    const by = ranHere ? '' : ' (run by another process)';
    if (this.dryRun) {
      const verify = state.verify;
      if (!verify || verify.status === 'running') {
        throw new CliError(
          `verify ${name}: the dry run ended without a verdict (status ${state.status})`,
        );
      }
      if (verify.error) {
        print(`verify ${name}: failed: the dry run stopped: ${verify.error}`);
        throw new CliError(`verify ${name} failed: the dry run stopped with an error`);
      }
      if (verify.status === 'passed') {
        print(
          `verify ${name}: passed${by}: the read model rebuilt from the log equals the live one (0 differences, position ${state.checkpoint.position})`,
        );
        return;
      }
      print(
        `verify ${name}: FAILED${by}: ${formatCount(verify.differences)} row${verify.differences === 1 ? '' : 's'} differ between the live read model and one rebuilt from the log (position ${state.checkpoint.position})`,
      );
      print(
        `rows that differ (table:key, side)${verify.differences > verify.sample.length ? `, first ${verify.sample.length}` : ''}:`,
      );
      for (const row of verify.sample) print(`  ${row}`);
      print(
        `"projections rebuild ${name}" replaces the live read model with one rebuilt from the log.`,
      );
      throw new CliError(`verify ${name} failed: ${formatCount(verify.differences)} differences`);
    }
    if (state.status === 'failed') {
      throw new CliError(
        `rebuild ${name}: the projection failed${state.errorPosition !== null ? ` at position ${state.errorPosition}` : ''}: ${state.lastError ?? 'unknown error'}`,
      );
    }
    if (state.lastError) throw new CliError(`rebuild ${name}: ${state.lastError}`);
    print(
      `rebuild ${name}: done${by}: rebuilt from the log and swapped in; status ${state.status} at position ${state.checkpoint.position}`,
    );
  }
}

@SubCommand({
  name: 'rebuild',
  arguments: '<name>',
  description:
    'rebuild a read model from the log into new tables while the live ones keep answering, then swap them in',
})
export class ProjectionsRebuildCommand extends RebuildCommand {
  constructor(context: CliContext) {
    super(context, false);
  }
}

@SubCommand({
  name: 'verify',
  arguments: '<name>',
  description:
    'dry run: rebuild a read model from the log beside the live one and compare them row by row (exit 1 when they differ)',
})
export class ProjectionsVerifyCommand extends RebuildCommand {
  constructor(context: CliContext) {
    super(context, true);
  }
}

abstract class ActionCommand extends CliCommand {
  protected abstract act(store: Store, name: string): Promise<OpsResult>;

  constructor(
    private readonly context: CliContext,
    private readonly verb: string,
  ) {
    super();
  }

  async run(args: string[]): Promise<void> {
    const projection = projectionOrThrow(args[0]);
    const store = await openProjections(this.context);
    const result = await this.act(store, projection.name);
    if (!result.ok) throw new CliError(result.error);
    const [view] = await listProjections(store.db, [projection.name]);
    print(
      `${projection.name}: ${this.verb}; status ${view?.status ?? 'unknown'}, position ${view?.position ?? '?'}, lag ${view?.lag ?? '?'}`,
    );
  }
}

@SubCommand({
  name: 'pause',
  arguments: '<name>',
  description: 'stop a running projection after its current batch',
})
export class ProjectionsPauseCommand extends ActionCommand {
  constructor(context: CliContext) {
    super(context, 'paused');
  }

  protected act(store: Store, name: string): Promise<OpsResult> {
    return pauseProjection(store.db, name);
  }
}

@SubCommand({
  name: 'resume',
  arguments: '<name>',
  description: 'let a paused projection follow the log again',
})
export class ProjectionsResumeCommand extends ActionCommand {
  constructor(context: CliContext) {
    super(context, 'resumed');
  }

  protected act(store: Store, name: string): Promise<OpsResult> {
    return resumeProjection(store.db, name);
  }
}

@SubCommand({
  name: 'retry',
  arguments: '<name>',
  description: 'try a failed projection again from the event it stopped at',
})
export class ProjectionsRetryCommand extends ActionCommand {
  constructor(context: CliContext) {
    super(context, 'retried');
  }

  protected act(store: Store, name: string): Promise<OpsResult> {
    return retryProjection(store.db, name);
  }
}

export const PROJECTIONS_SUBCOMMANDS = [
  ProjectionsListCommand,
  ProjectionsRebuildCommand,
  ProjectionsVerifyCommand,
  ProjectionsPauseCommand,
  ProjectionsResumeCommand,
  ProjectionsRetryCommand,
];

@Command({
  name: 'projections',
  description: `the read models (${NAMES.join(', ')}): list, rebuild, verify, pause, resume, retry`,
  subCommands: PROJECTIONS_SUBCOMMANDS,
})
export class ProjectionsCommand extends CliCommand {
  protected override readonly leaf = false;

  async run(args: string[]): Promise<void> {
    throw new UsageError(
      args.length > 0
        ? `unknown command "projections ${args[0]}"; try: projections list|rebuild|verify|pause|resume|retry`
        : 'projections needs a command: list, rebuild <name>, verify <name>, pause <name>, resume <name>, retry <name>',
    );
  }
}
