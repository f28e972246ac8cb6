import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { isMigrated, pingStore, STORE, type Store } from '../../database';
import { Access } from '../auth/access.decorator';

/** Liveness and readiness (store reachable, migrations applied). No key needed. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(STORE) private readonly store: Store,
  ) {}

  @Get('live')
  @Access('public')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Access('public')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('store');
        try {
          await pingStore(this.store.db);
          if (!(await isMigrated(this.store.db)))
            return indicator.down({ message: 'migrations pending' });
          return indicator.up({ kind: this.store.kind });
        } catch (error) {
          return indicator.down({
            message: error instanceof Error ? error.message : String(error),
          });
        }
      },
    ]);
  }
}
