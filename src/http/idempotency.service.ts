import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { STORE, type Store } from '../database';

/** Which key, route and Idempotency-Key a request is answered under. */
export interface IdempotencyScope {
  keyName: string;
  route: string;
  key: string;
}

/** What to do with a request that carries an Idempotency-Key. */
export type IdempotencyStart =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'conflict' }
  | { kind: 'in-progress' };

// A first request that has not answered in this long is taken to have died with its process.
const ABANDONED_AFTER_SECONDS = 60;
const KEEP_HOURS = 48;

/**
 * Idempotency-Key records: the first answer to a (key, route, Idempotency-Key) is kept at least
 * 24 hours and given again for the same body; another body is a conflict.
 */
@Injectable()
export class IdempotencyService {
  private lastPurge = 0;

  constructor(@Inject(STORE) private readonly store: Store) {}

  /** Hash of a request body, independent of key order. */
  static hashBody(canonicalBody: string): string {
    return createHash('sha256').update(canonicalBody).digest('hex');
  }

  /** Claims the scope for this request, or says how it was answered before. */
  async start(scope: IdempotencyScope, requestHash: string): Promise<IdempotencyStart> {
    await this.purgeNowAndThen();
    const inserted = await this.store.db
      .insertInto('service.idempotency_keys')
      .values({
        key_name: scope.keyName,
        route: scope.route,
        idempotency_key: scope.key,
        request_hash: requestHash,
        status: null,
        body: null,
      })
      .onConflict((oc) => oc.columns(['key_name', 'route', 'idempotency_key']).doNothing())
      .returning('request_hash')
      .executeTakeFirst();
    if (inserted) return { kind: 'new' };
    const row = await this.store.db
      .selectFrom('service.idempotency_keys')
      .select([
        'request_hash',
        'status',
        'body',
        sql<boolean>`created_at < now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS})`.as(
          'abandoned',
        ),
      ])
      .where('key_name', '=', scope.keyName)
      .where('route', '=', scope.route)
      .where('idempotency_key', '=', scope.key)
      .executeTakeFirst();
    if (!row) return this.start(scope, requestHash);
    if (row.request_hash !== requestHash) return { kind: 'conflict' };
    if (row.status !== null) return { kind: 'replay', status: row.status, body: row.body };
    if (!row.abandoned) return { kind: 'in-progress' };
    const taken = await this.store.db
      .updateTable('service.idempotency_keys')
      .set({ created_at: sql`now()` })
      .where('key_name', '=', scope.keyName)
      .where('route', '=', scope.route)
      .where('idempotency_key', '=', scope.key)
      .where('status', 'is', null)
      .where(sql<boolean>`created_at < now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS})`)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? { kind: 'new' } : { kind: 'in-progress' };
  }

  /** Keeps the answer given to the request that claimed the scope. */
  async complete(scope: IdempotencyScope, status: number, body: unknown): Promise<void> {
    await this.store.db
      .updateTable('service.idempotency_keys')
      .set({ status, body: JSON.stringify(body) })
      .where('key_name', '=', scope.keyName)
      .where('route', '=', scope.route)
      .where('idempotency_key', '=', scope.key)
      .execute();
  }

  /** Forgets a claim whose request could not be answered (a 5xx): the client may try again. */
  async release(scope: IdempotencyScope): Promise<void> {
    await this.store.db
      .deleteFrom('service.idempotency_keys')
      .where('key_name', '=', scope.keyName)
      .where('route', '=', scope.route)
      .where('idempotency_key', '=', scope.key)
      .where('status', 'is', null)
      .execute();
  }

  private async purgeNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPurge < 3_600_000) return;
    this.lastPurge = Date.now();
    await this.store.db
      .deleteFrom('service.idempotency_keys')
      .where(sql<boolean>`created_at < now() - make_interval(hours => ${KEEP_HOURS})`)
      .execute();
  }
}
