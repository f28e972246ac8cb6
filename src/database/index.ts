export * from './copy';
export * from './database';
export type { Database } from './tables';
export type { ApiKeyTable, IdempotencyKeyTable } from './service.table';
export { STORE } from './store.token';
export { StoreModule } from './store.module';
