export * from './event-store';
export * from './event-store.errors';
export * from './event-store.types';
export type { EventStoreTables, EventTable, StreamTable } from './event-store.table';
