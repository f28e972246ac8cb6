import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import type { AppConfig } from './config';
import { StoreModule, type Store } from './database';
import { ApiKeysService } from './http/auth/api-keys.service';
import { AuthGuard } from './http/auth/auth.guard';
import { CommandsController } from './http/controllers/commands.controller';
import { HealthController } from './http/controllers/health.controller';
import { ExportController } from './http/controllers/export.controller';
import { LiveController } from './http/controllers/live.controller';
import { LogController } from './http/controllers/log.controller';
import { IdempotencyService } from './http/idempotency.service';
import { MetricsController, MetricsService } from './http/observability/metrics';
import { ProblemFilter } from './http/problem/problem.filter';
import { ProjectionsModule } from './projections/projections.module';
import { TimelineModule } from './timeline';
import { TalliesController } from './http/controllers/tallies.controller';
import { TimelineController } from './http/controllers/timeline.controller';
import { ProjectionsController } from './http/controllers/projections.controller';

/** The whole service, over a store the caller opened. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, store: Store): DynamicModule {
    return {
      module: AppModule,
      imports: [
        StoreModule.forRoot(config, store),
        CqrsModule.forRoot(),
        TerminusModule,
        TimelineModule,
        ProjectionsModule,
      ],
      controllers: [
        CommandsController,
        // Before LogController: `events/live` must not be taken for `events/:eventId`.
        LiveController,
        LogController,
        TimelineController,
        TalliesController,
        ProjectionsController,
        ExportController,
        HealthController,
        MetricsController,
      ],
      providers: [
        ApiKeysService,
        IdempotencyService,
        MetricsService,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
