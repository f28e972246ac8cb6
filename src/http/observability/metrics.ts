import {
  Controller,
  Get,
  Inject,
  Injectable,
  Res,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { STORE, type Store } from '../../database';
import { onAppendedLocally, readHead, rebuildProgress } from '../../event-store';
import { Access } from '../auth/access.decorator';

export { setRebuildProgress, clearRebuildProgress } from '../../event-store';

const STATUSES = ['running', 'paused', 'rebuilding', 'failed'] as const;

interface ProjectionRow {
  name: string;
  status: string;
  position: number | string;
  lag: number | string;
  rebuild: { processed?: unknown; total?: unknown } | null;
}

/**
 * The service's Prometheus metrics, one registry per app: request latency by route pattern and
 * status, events appended by this process, the log's head, each projection's position, lag,
 * status and rebuild progress (read from the store at scrape time, so every instance shows every
 * projection wherever it runs), and Node's default process metrics.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status_code'>;
  private readonly appended: Counter;
  private readonly storeUp: Gauge;
  private readonly head: Gauge;
  private readonly position: Gauge<'projection'>;
  private readonly lag: Gauge<'projection'>;
  private readonly status: Gauge<'projection' | 'status'>;
  private readonly rebuildProcessed: Gauge<'projection'>;
  private readonly rebuildTotal: Gauge<'projection'>;
  private stopCounting: (() => void) | undefined;

  constructor(@Inject(STORE) private readonly store: Store) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route pattern, method and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.appended = new Counter({
      name: 'timeline_events_appended_total',
      help: 'Events appended to the log by this process (commands, batches and imports)',
      registers,
    });
    this.storeUp = new Gauge({
      name: 'timeline_store_up',
      help: '1 when the store answered the last scrape, 0 when it did not',
      registers,
    });
    this.head = new Gauge({
      name: 'timeline_log_head_position',
      help: 'Position of the last event that is safe to read',
      registers,
    });
    this.position = new Gauge({
      name: 'timeline_projection_position',
      help: 'Position of the last event a projection has processed',
      labelNames: ['projection'],
      registers,
    });
    this.lag = new Gauge({
      name: 'timeline_projection_lag_events',
      help: 'Events in the log that a projection has not processed yet',
      labelNames: ['projection'],
      registers,
    });
    this.status = new Gauge({
      name: 'timeline_projection_status',
      help: "1 for a projection's current status (running, paused, rebuilding, failed)",
      labelNames: ['projection', 'status'],
      registers,
    });
    this.rebuildProcessed = new Gauge({
      name: 'timeline_projection_rebuild_processed_events',
      help: 'Events a running rebuild has processed',
      labelNames: ['projection'],
      registers,
    });
    this.rebuildTotal = new Gauge({
      name: 'timeline_projection_rebuild_total_events',
      help: 'Events a running rebuild has to process',
      labelNames: ['projection'],
      registers,
    });
  }

  onModuleInit(): void {
    this.stopCounting = onAppendedLocally(this.store.db, (count) => this.appended.inc(count));
  }

  onModuleDestroy(): void {
    this.stopCounting?.();
  }

  /** Records a finished request under its route pattern (not the raw URL). */
  observeRequest(request: FastifyRequest, reply: FastifyReply): void {
    this.requests.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(unmatched)',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  }

  /** The exposition text, with the store's gauges read now. */
  async render(): Promise<string> {
    await this.refreshStoreGauges();
    return this.registry.metrics();
  }

  private async refreshStoreGauges(): Promise<void> {
    try {
      const head = await readHead(this.store.db);
      // to_jsonb: the rebuild state is read when the store has it, without naming the column.
      const { rows } = await sql<ProjectionRow>`
        select p.name, p.status, p.position, to_jsonb(p) -> 'rebuild' as rebuild,
               (select count(*) from event_store.events e
                 where (e.transaction_id, e.position) > (p.transaction_id, p.position)
                   and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())) as lag
          from event_store.projections p
         order by p.name`.execute(this.store.db);
      this.storeUp.set(1);
      this.head.set(head?.position ?? 0);
      this.position.reset();
      this.lag.reset();
      this.status.reset();
      this.rebuildProcessed.reset();
      this.rebuildTotal.reset();
      for (const row of rows) {
        const projection = row.name;
        this.position.set({ projection }, Number(row.position));
        this.lag.set({ projection }, Number(row.lag));
        for (const status of STATUSES)
          this.status.set({ projection, status }, row.status === status ? 1 : 0);
        const rebuild = row.rebuild;
        if (rebuild && typeof rebuild.processed === 'number' && typeof rebuild.total === 'number') {
          this.rebuildProcessed.set({ projection }, rebuild.processed);
          this.rebuildTotal.set({ projection }, rebuild.total);
        }
      }
    } catch {
      this.storeUp.set(0);
    }
    for (const [projection, progress] of rebuildProgress()) {
      this.rebuildProcessed.set({ projection }, progress.processed);
      this.rebuildTotal.set({ projection }, progress.total);
    }
  }
}

/** GET /metrics: Prometheus text exposition. No key needed. */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Access('public')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.render();
    void reply.header('content-type', this.metrics.registry.contentType);
    return text;
  }
}
