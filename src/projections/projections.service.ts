import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config';
import { STORE, type Store } from '../database';
import {
  APPENDED_CHANNEL,
  checkpointAt,
  onAppendedLocally,
  ensureProjection,
  ProjectionProgress,
  ProjectionRunner,
  type Projection,
} from '../event-store';
import { talliesProjection } from './tallies/tallies.projection';
import { timelineProjection } from './timeline/timeline.projection';

/** Every projection the service runs, by name. */
export const PROJECTIONS: readonly Projection[] = [timelineProjection, talliesProjection];

/** What a read waited for: whether the projection had reached the position in time. */
export interface Freshness {
  /** The position the read model had processed when the read began. */
  position: number;
  stale: boolean;
}

/** The outcome of waiting for a position: reached or not, or the position names no event. */
export type WaitOutcome = { ok: true; stale: boolean } | { ok: false };

/**
 * Runs the projections (when this process is configured to) and tracks their progress for
 * read-your-writes. Each runner takes its projection's lock, so with several instances on one
 * PostgreSQL each projection runs in exactly one of them.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('projections');
  readonly progress = new ProjectionProgress();
  readonly runners: ProjectionRunner[];
  private readonly unsubscribe: (() => Promise<void>)[] = [];
  private poll: NodeJS.Timeout | undefined;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.runners = PROJECTIONS.map((p) => new ProjectionRunner(store, p, this.progress));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runProjections) {
      for (const projection of PROJECTIONS) {
        const outcome = await ensureProjection(this.store.db, projection);
        if (outcome === 'reset') {
          this.logger.warn(
            `${projection.name}: version changed to ${projection.version}; rebuilding from the log`,
          );
        }
      }
    }
    await this.progress.refresh(this.store.db);
    const wake = (): void => {
      for (const runner of this.runners) runner.wake();
    };
    this.unsubscribe.push(
      await this.store.listen('projection_progress', () => void this.refresh()),
      await this.store.listen(APPENDED_CHANNEL, wake),
    );
    const stopLocal = onAppendedLocally(this.store.db, wake);
    this.unsubscribe.push(async () => stopLocal());
    // A lost notification only delays: the checkpoint is re-read now and then.
    this.poll = setInterval(() => void this.refresh(), 2000);
    this.poll.unref();
    if (this.config.runProjections) for (const runner of this.runners) runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await Promise.all(this.unsubscribe.splice(0).map((stop) => stop().catch(() => undefined)));
  }

  private async refresh(): Promise<void> {
    try {
      await this.progress.refresh(this.store.db);
    } catch {
      // The store is unreachable for a moment; the next notification or poll tries again.
    }
  }

  /** Wakes the local runner(s), e.g. after an ops action. */
  wake(): void {
    for (const runner of this.runners) runner.wake();
  }

  /** Names of the projections, in order. */
  get names(): string[] {
    return PROJECTIONS.map((p) => p.name);
  }

  /** The position a projection has processed (a committed checkpoint). */
  position(name: string): number {
    return this.progress.current(name).position;
  }

  /**
   * Waits until a projection has processed the event at `position`, for at most `waitMs`.
   * Resolves `{ ok: false }` when no event has that position.
   */
  async waitFor(name: string, position: number, waitMs: number): Promise<WaitOutcome> {
    const target = await checkpointAt(this.store.db, position);
    if (!target) return { ok: false };
    let reached = await this.progress.waitFor(name, target, waitMs);
    if (!reached) {
      await this.refresh();
      reached = await this.progress.waitFor(name, target, 0);
    }
    return { ok: true, stale: !reached };
  }
}
