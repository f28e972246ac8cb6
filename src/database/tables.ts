import type { EventStoreTables } from '../event-store/event-store.table';
import type { TallyTables } from '../projections/tallies/tallies.table';
import type { TimelineTables } from '../projections/timeline/timeline.table';
import type { ServiceTables } from './service.table';

/** Every table the service queries, by schema-qualified name. Read models add theirs here. */
export type Database = EventStoreTables & ServiceTables & TimelineTables & TallyTables;
