import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, ROLES, type AppConfig, type Role } from '../../config';
import { STORE, type Store } from '../../database';

/** An API key as the service holds it: never the secret, only its SHA-256. */
export interface ApiKey {
  name: string;
  roles: Role[];
  hash: Buffer;
}

/** SHA-256 of a secret. Secrets are long random strings, so a fast hash is enough. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** A new random secret. */
export function generateSecret(): string {
  return `tl_${randomBytes(32).toString('base64url')}`;
}

const RELOAD_INTERVAL_MS = 5_000;

/**
 * The API keys: from TIMELINE_API_KEYS, and those the service made (kept hashed in the store).
 * With none configured, the first start makes an ops key and leaves its secret for the local
 * operator in TIMELINE_DATA_DIR/ops.key.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('keys');
  private keys: ApiKey[] = [];
  private lastReload = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(STORE) private readonly store: Store,
  ) {}

  /** Loads the keys, making the first ops key when there are none at all. */
  async initialize(): Promise<void> {
    await this.reload();
    if (this.keys.length === 0) await this.createFirstOpsKey();
  }

  private async reload(): Promise<void> {
    const configured = this.config.apiKeys.map((k) => ({
      name: k.name,
      roles: k.roles,
      hash: hashSecret(k.secret),
    }));
    const stored = await this.store.db
      .selectFrom('service.api_keys')
      .select(['name', 'roles', 'secret_hash'])
      .execute();
    this.keys = [
      ...configured,
      ...stored
        .filter((row) => !configured.some((k) => k.name === row.name))
        .map((row) => ({
          name: row.name,
          roles: row.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
          hash: Buffer.from(row.secret_hash, 'hex'),
        })),
    ];
    this.lastReload = Date.now();
  }

  private async createFirstOpsKey(): Promise<void> {
    const secret = generateSecret();
    await this.store.db
      .insertInto('service.api_keys')
      .values({ name: 'ops', roles: ['ops'], secret_hash: hashSecret(secret).toString('hex') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await mkdir(this.config.dataDir, { recursive: true });
    const file = join(this.config.dataDir, 'ops.key');
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    await this.reload();
    // Printed once, on purpose: this is the only time the secret exists outside ops.key.
    this.logger.warn(
      `No API keys were configured, so an ops key was made. Its secret (shown only now, and kept in ${file}): ${secret}`,
    );
  }

  /** Makes a key and returns its secret (shown once; only the hash is stored). */
  async create(name: string, roles: Role[]): Promise<string> {
    const secret = generateSecret();
    await this.store.db
      .insertInto('service.api_keys')
      .values({ name, roles, secret_hash: hashSecret(secret).toString('hex') })
      .execute();
    await this.reload();
    return secret;
  }

  /** The key whose secret this is; compares every key's hash in constant time. */
  async authenticate(secret: string): Promise<ApiKey | undefined> {
    const found = this.match(secret);
    if (found || Date.now() - this.lastReload < RELOAD_INTERVAL_MS) return found;
    // A key made by another process (the CLI) since the last look.
    await this.reload();
    return this.match(secret);
  }

  private match(secret: string): ApiKey | undefined {
    const hash = hashSecret(secret);
    let found: ApiKey | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.hash, hash) && !found) found = key;
    }
    return found;
  }
}
