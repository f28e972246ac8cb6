import type { ColumnType, Generated } from 'kysely';

/** A key the service made itself; only the SHA-256 of its secret is kept. */
export interface ApiKeyTable {
  name: string;
  roles: string[];
  secret_hash: string;
  created_at: Generated<Date>;
}

/** The first answer to a request sent with an Idempotency-Key. */
export interface IdempotencyKeyTable {
  key_name: string;
  route: string;
  idempotency_key: string;
  request_hash: string;
  /** Null while the first request is still being answered. */
  status: number | null;
  body: ColumnType<unknown, string | null, string | null> | null;
  created_at: Generated<Date>;
}

export interface ServiceTables {
  'service.api_keys': ApiKeyTable;
  'service.idempotency_keys': IdempotencyKeyTable;
}
