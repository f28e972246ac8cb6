import type { EventStoreTables } from '../event-store/event-store.table';
import type { ServiceTables } from './service.table';

/** Every table the service queries, by schema-qualified name. Read models add theirs here. */
export type Database = EventStoreTables & ServiceTables;
