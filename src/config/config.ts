import { resolve } from 'node:path';

/** A key configured through `TIMELINE_API_KEYS` (`name:role[+role]:secret`). */
export interface ConfiguredKey {
  name: string;
  roles: Role[];
  secret: string;
}

export type Role = 'writer' | 'reader' | 'ops';
export const ROLES: readonly Role[] = ['writer', 'reader', 'ops'];

/** Everything the service reads from its environment, read once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string; undefined means the embedded store (PGlite). */
  databaseUrl: string | undefined;
  /** Where the embedded store and the generated ops key live. */
  dataDir: string;
  apiKeys: ConfiguredKey[];
  /** Requests per minute per key; 0 turns the limit off. */
  rateLimitPerMinute: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Connections in the pg pool. */
  poolSize: number;
  /** Whether this process runs the projections (each runs in one instance at a time). */
  runProjections: boolean;
  /** Interval of the comment lines that keep an idle `GET /v1/events/live` stream open. */
  liveHeartbeatMs: number;
  /** How long a live stream's client may leave its socket blocked before it is dropped. */
  liveStallMs: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return Number(raw);
}

function readSwitch(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

/** Parses `TIMELINE_API_KEYS`; throws a ConfigError that names the bad entry. */
export function parseApiKeys(raw: string | undefined): ConfiguredKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry, index) => {
    const [name, roles, ...rest] = entry.trim().split(':');
    const secret = rest.join(':');
    if (!name || !roles || !secret) {
      throw new ConfigError(
        `TIMELINE_API_KEYS entry ${index + 1} must be name:role[+role]:secret, got "${entry.trim()}"`,
      );
    }
    const parsed = roles.split('+').map((role) => {
      if (!(ROLES as readonly string[]).includes(role)) {
        throw new ConfigError(
          `TIMELINE_API_KEYS entry ${index + 1} ("${name}") has unknown role "${role}"; roles are ${ROLES.join(', ')}`,
        );
      }
      return role as Role;
    });
    if (secret.length < 16) {
      throw new ConfigError(
        `TIMELINE_API_KEYS entry ${index + 1} ("${name}") has a secret shorter than 16 characters`,
      );
    }
    return { name, roles: parsed, secret };
  });
}

/** Reads the configuration from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`,
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim();
  return {
    port: readInteger(env, 'PORT', 3000, 0),
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl: databaseUrl ? databaseUrl : undefined,
    dataDir: resolve(env.TIMELINE_DATA_DIR?.trim() || './.data'),
    apiKeys: parseApiKeys(env.TIMELINE_API_KEYS),
    rateLimitPerMinute: readInteger(env, 'TIMELINE_RATE_LIMIT', 100_000, 0),
    logLevel: logLevel as AppConfig['logLevel'],
    poolSize: readInteger(env, 'TIMELINE_POOL_SIZE', 16, 1),
    runProjections: readSwitch(env, 'TIMELINE_PROJECTIONS', true),
    liveHeartbeatMs: readInteger(env, 'TIMELINE_LIVE_HEARTBEAT_MS', 15_000, 10),
    liveStallMs: readInteger(env, 'TIMELINE_LIVE_STALL_MS', 30_000, 10),
  };
}

/** Nest injection token of the AppConfig. */
export const APP_CONFIG = Symbol('AppConfig');
