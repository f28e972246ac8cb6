import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { ConfigError, loadConfig, type AppConfig } from '../config';
import { migrateToLatest, openStore, pingStore, StoreModule, type Store } from '../database';
import { ensureProjection, isUnavailableError } from '../event-store';
import { ApiKeysService } from '../http/auth/api-keys.service';
import { ProjectionsModule } from '../projections/projections.module';
import { PROJECTIONS } from '../projections/projections.service';
import { TimelineModule } from '../timeline';
import { CliError, ExitCode, messageOf, UnreachableError, UsageError } from './cli-errors';
import { CliLogger } from './cli-logger';

/** Injection token of the CLI's logger. */
export const CLI_LOGGER = Symbol('CliLogger');

/**
 * The service's modules without HTTP: the command bus and handlers, the projections (which,
 * with `runProjections: false`, start no runner) and the API keys.
 */
@Module({})
export class CliServicesModule {
  static forRoot(config: AppConfig, store: Store): DynamicModule {
    return {
      module: CliServicesModule,
      imports: [
        StoreModule.forRoot(config, store),
        CqrsModule.forRoot(),
        TimelineModule,
        ProjectionsModule,
      ],
      providers: [ApiKeysService],
      exports: [ApiKeysService],
    };
  }
}

/** An opened, migrated store. */
export interface OpenedStore {
  config: AppConfig;
  store: Store;
  /** Migrations this run applied. */
  applied: string[];
}

/** The opened store and the service's providers over it. */
export interface CliServices extends OpenedStore {
  app: INestApplicationContext;
  commandBus: CommandBus;
  apiKeys: ApiKeysService;
}

/** A PostgreSQL URL without its password, for messages. */
export function describeStore(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): string {
  if (!config.databaseUrl) return `the embedded store in ${config.dataDir}`;
  try {
    const url = new URL(config.databaseUrl);
    if (url.password) url.password = '***';
    return `PostgreSQL at ${url.toString()}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

/**
 * What every command stands on: the configuration (read as the service reads it), the store
 * (opened and migrated on first use) and, when a command needs them, the service's modules in
 * an application context of their own. Opened only by commands that get that far, so `--help`
 * and wrong arguments never touch the store. Closed when the CLI's context closes.
 */
@Injectable()
export class CliContext implements OnApplicationShutdown {
  /** Aborted on SIGINT or SIGTERM: long commands stop after the batch in flight. */
  readonly interrupt = new AbortController();
  private opened: OpenedStore | undefined;
  private services: CliServices | undefined;

  constructor(@Inject(CLI_LOGGER) readonly logger: CliLogger) {}

  /** The configuration, from the same environment variables as the service. */
  config(): AppConfig {
    try {
      // The CLI never runs the projections in the background: rebuild and verify drive them.
      return { ...loadConfig(), runProjections: false };
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`configuration: ${error.message}`);
      throw error;
    }
  }

  /** Opens the store and applies pending migrations. */
  async openStore(): Promise<OpenedStore> {
    if (this.opened) return this.opened;
    const config = this.config();
    const where = describeStore(config);
    if (!config.databaseUrl) await this.refuseEmbeddedStoreInUse(config.dataDir);
    let store: Store;
    try {
      store = await openStore({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        poolSize: Math.min(config.poolSize, 4),
        applicationName: 'timeline-cli',
      });
    } catch (error) {
      throw new UnreachableError(`cannot open ${where}: ${messageOf(error)}`);
    }
    try {
      await pingStore(store.db);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw new UnreachableError(
        `cannot reach ${where}: ${messageOf(error)}${config.databaseUrl ? ' (is the server up, and DATABASE_URL right?)' : ''}`,
      );
    }
    let applied: string[];
    try {
      const result = await migrateToLatest(store.db);
      applied =
        result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    } catch (error) {
      await store.close().catch(() => undefined);
      if (isUnavailableError(error)) {
        throw new UnreachableError(`lost ${where} while migrating: ${messageOf(error)}`);
      }
      throw new CliError(`migrating ${where}: ${messageOf(error)}`);
    }
    if (applied.length > 0) this.logger.log(`applied migrations: ${applied.join(', ')}`, 'cli');
    this.opened = { config, store, applied };
    return this.opened;
  }

  /**
   * PGlite takes no lock on its files: a second process opening them while the service runs
   * would corrupt them. It leaves postmaster.pid there while open and removes it on close, so
   * its presence means "in use" (or a process that held it was killed).
   */
  private async refuseEmbeddedStoreInUse(dataDir: string): Promise<void> {
    const pidFile = join(dataDir, 'pgdata', 'postmaster.pid');
    try {
      await access(pidFile);
    } catch {
      return;
    }
    throw new UnreachableError(
      `the embedded store in ${dataDir} is in use by another process (a running service?): the embedded store has one user at a time, so stop it first (or use PostgreSQL). If nothing uses it (a process that held it was killed), delete ${pidFile}.`,
    );
  }

  /** The store, plus the service's modules over it. */
  async openServices(): Promise<CliServices> {
    if (this.services) return this.services;
    const opened = await this.openStore();
    const app = await NestFactory.createApplicationContext(
      CliServicesModule.forRoot(opened.config, opened.store),
      { logger: this.logger, abortOnError: false },
    );
    this.services = {
      ...opened,
      app,
      commandBus: app.get(CommandBus),
      apiKeys: app.get(ApiKeysService),
    };
    return this.services;
  }

  /**
   * Registers the projections as the service does at start (a changed version empties the
   * projection and starts it again from the log), so a store the service has never run on
   * lists them too.
   */
  async registerProjections(store: Store): Promise<void> {
    for (const projection of PROJECTIONS) {
      const outcome = await ensureProjection(store.db, projection);
      if (outcome === 'reset') {
        this.logger.warn(
          `${projection.name}: version changed to ${projection.version}; it starts again from the beginning of the log`,
          'cli',
        );
      }
    }
  }

  /** Throws when SIGINT or SIGTERM has arrived. */
  throwIfInterrupted(what: string): void {
    if (this.interrupt.signal.aborted)
      throw new CliError(`${what}: interrupted`, ExitCode.interrupted);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Closes the service context and the store (PGlite writes its files here). */
  async close(): Promise<void> {
    const services = this.services;
    const opened = this.opened;
    this.services = undefined;
    this.opened = undefined;
    if (services) await services.app.close().catch(() => undefined);
    if (opened) await opened.store.close().catch(() => undefined);
  }
}
