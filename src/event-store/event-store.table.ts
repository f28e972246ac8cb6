import type { ColumnType, Generated } from 'kysely';

/** One row per stream: its version is where optimistic concurrency is decided. */
export interface StreamTable {
  stream_id: string;
  version: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** The log. Rows are only ever inserted. */
export interface EventTable {
  position: Generated<number>;
  /** xid8 of the appending transaction, as text. */
  transaction_id: Generated<string>;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: ColumnType<unknown, string, never>;
  metadata: ColumnType<Record<string, unknown>, string, never>;
  occurred_at: Date | null;
  recorded_at: Generated<Date>;
}

export interface EventStoreTables {
  'event_store.streams': StreamTable;
  'event_store.events': EventTable;
  'event_store.projections': ProjectionTable;
}

/** A projection's state and checkpoint. */
export interface ProjectionTable {
  name: string;
  version: number;
  status: ColumnType<ProjectionStatus, ProjectionStatus | undefined, ProjectionStatus>;
  transaction_id: ColumnType<string, string | undefined, string>;
  position: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  error_position: number | null;
  updated_at: Generated<Date>;
  rebuild: ColumnType<RebuildState | null, string | null | undefined, string | null>;
  verify: ColumnType<VerifyResult | null, string | null | undefined, string | null>;
}

/** A rebuild in progress: the copy's own checkpoint and how far it has come. */
export interface RebuildState {
  dryRun: boolean;
  startedAt: string;
  /** Events in the log when the rebuild started. */
  total: number;
  processed: number;
  transactionId: string;
  position: number;
  /** True once the copy's tables exist. */
  prepared: boolean;
  /**
   * False while the copy has only its keys: its other indexes are built in one pass once it has
   * caught up (absent for a rebuild prepared before indexes were deferred: it has them all).
   */
  indexed?: boolean;
}

/** The verdict of the last dry run: the rebuilt copy compared with the live read model. */
export interface VerifyResult {
  status: 'running' | 'passed' | 'failed';
  differences: number;
  /** Up to 10 keys of rows that differ. */
  sample: string[];
  finishedAt: string | null;
  error?: string;
}

/** What a projection is doing. */
export type ProjectionStatus = 'running' | 'paused' | 'rebuilding' | 'failed';
