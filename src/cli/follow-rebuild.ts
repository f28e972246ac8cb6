import type { Store } from '../database';
import {
  ProjectionProgress,
  ProjectionRunner,
  readProjectionState,
  type Projection,
  type ProjectionState,
  type RebuildState,
} from '../event-store';
import { requestRebuild } from '../ops';
import { CliError, ExitCode } from './cli-errors';
import { formatCount, Progress, terminal } from './progress';

/** How a rebuild or dry run ended. */
export interface RebuildOutcome {
  state: ProjectionState;
  /** True when this process ran (part of) it; false when another process did all of it. */
  ranHere: boolean;
}

export interface FollowOptions {
  dryRun: boolean;
  /** Events per batch when this process runs it. */
  batchSize?: number;
  /** How often the projection's row is read for progress. */
  pollMs?: number;
  /** Aborted: stop after the batch in flight, leaving the rebuild to resume later. */
  signal: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

function describeKind(dryRun: boolean): string {
  return dryRun ? 'dry run' : 'rebuild';
}

/**
 * Starts a rebuild (or a dry run) of a projection and stays until it has ended, showing its
 * progress. A runner of its own competes for the projection's lock, as a service instance's
 * does: on the embedded store it always gets it and runs the rebuild here; on PostgreSQL it gets
 * it only when no service instance runs the projection, and otherwise waits while the instance
 * that has it runs the rebuild (taking over if that instance stops). Batches are compare-and-set,
 * so nothing is applied twice. A rebuild of the same kind already under way is followed, not
 * refused: an interrupted one can be resumed by running the command again.
 */
export async function followRebuild(
  store: Store,
  projection: Projection,
  options: FollowOptions,
): Promise<RebuildOutcome> {
  const name = projection.name;
  const kind = describeKind(options.dryRun);
  const label = `${options.dryRun ? 'verify' : 'rebuild'} ${name}`;
  const before = await readProjectionState(store.db, name);
  if (before?.status === 'rebuilding' && before.rebuild) {
    if (before.rebuild.dryRun !== options.dryRun) {
      throw new CliError(
        `Projection ${name} is already rebuilding (a ${describeKind(before.rebuild.dryRun)} started at ${before.rebuild.startedAt}); run this again when it has ended.`,
      );
    }
    terminal.line(
      `${label}: a ${kind} started at ${before.rebuild.startedAt} is under way (${before.rebuild.processed}/${before.rebuild.total} events); following it`,
    );
  } else {
    const result = await requestRebuild(store.db, name, { dryRun: options.dryRun });
    if (!result.ok) throw new CliError(result.error);
  }

  const progress = new Progress({ label, unit: 'events' });
  let seen: RebuildState | undefined =
    before?.status === 'rebuilding' ? (before.rebuild ?? undefined) : undefined;
  let ranHere = false;
  const show = (rebuild: RebuildState, note?: string): void => {
    seen = rebuild;
    progress.update({
      done: rebuild.processed,
      total: Math.max(rebuild.total, rebuild.processed),
      ...(note ? { note } : {}),
    });
  };
  const runner = new ProjectionRunner(store, projection, new ProjectionProgress(), {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    onRebuildProgress: (_name, rebuild) => {
      ranHere = true;
      show(rebuild);
    },
  });
  const elsewhere = (): void =>
    terminal.line(
      `${label}: another process (a service instance) holds the projection and runs the ${kind}; showing its progress`,
    );
  let where: 'here' | 'elsewhere' | undefined;
  // A look at the lock, to say at once who runs it; the runner then takes it for real (on the
  // embedded store the lock is always free).
  const probe = await store.tryLock(`projection:${name}`);
  if (probe) await probe.release();
  else {
    where = 'elsewhere';
    elsewhere();
  }
  runner.start();
  const started = Date.now();
  let state: ProjectionState | undefined;
  try {
    for (;;) {
      state = await readProjectionState(store.db, name);
      if (!state) throw new CliError(`There is no projection ${name}.`);
      if (state.status !== 'rebuilding' || !state.rebuild) break;
      if (options.signal.aborted) break;
      // The runner tries for the lock as it starts: only later does "not holding it" mean
      // that another process does.
      const now = runner.active ? 'here' : Date.now() - started > 1000 ? 'elsewhere' : undefined;
      if (now && now !== where) {
        if (now === 'elsewhere') elsewhere();
        else if (where === 'elsewhere') {
          terminal.line(
            `${label}: the process that held the projection has let it go; running it here`,
          );
        }
        where = now;
      }
      if (where === 'elsewhere') show(state.rebuild, 'by another process');
      else if (!ranHere) show(state.rebuild);
      await sleep(options.pollMs ?? 250, options.signal);
    }
  } finally {
    // After the batch in flight: a rebuild interrupted here resumes where it stopped.
    await runner.stop();
  }
  if (state.status === 'rebuilding') {
    progress.abandon();
    state = (await readProjectionState(store.db, name)) ?? state;
    const at = state.rebuild
      ? ` at ${formatCount(state.rebuild.processed)}/${formatCount(state.rebuild.total)} events`
      : '';
    throw new CliError(
      `${label}: interrupted${at}. The ${kind} stays under way: it goes on when a service instance runs the projection, or when this command is run again.`,
      ExitCode.interrupted,
    );
  }
  const last = seen;
  if (last && state.status === 'running' && !state.lastError) {
    progress.update({
      done: Math.max(last.processed, last.total),
      total: Math.max(last.processed, last.total),
    });
  }
  progress.finish();
  return { state, ranHere };
}
