export * from './append-signal';
export * from './event-store';
export * from './event-store.errors';
export * from './event-store.types';
export { groupCommitStats } from './group-commit';
export * from './log-tail';
export type { EventStoreTables, EventTable, StreamTable } from './event-store.table';
export * from './projection';
export * from './projection-progress';
export * from './projection-runner';
export * from './rebuild-progress';
export type {
  ProjectionStatus,
  ProjectionTable,
  RebuildState,
  VerifyResult,
} from './event-store.table';
