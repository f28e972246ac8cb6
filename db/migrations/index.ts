import type { Migration } from 'kysely';
import * as eventStore from './0001_event_store';
import * as service from './0002_service';
import * as projections from './0003_projections';
import * as appendWithoutNotify from './0004_append_without_notify';
import * as projectionRebuild from './0005_projection_rebuild';
import * as appendFailedStreamLookup from './0006_append_failed_stream_lookup';
import * as recordedAtMilliseconds from './0007_recorded_at_milliseconds';
import * as tallySums from './0008_tally_sums';
import * as currentRowByIncident from './0009_current_row_by_incident';
import * as longSpans from './0010_long_spans';
import * as appendPlannedPerCall from './0011_append_planned_per_call';

/** Every migration, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '0001_event_store': eventStore,
  '0002_service': service,
  '0003_projections': projections,
  '0004_append_without_notify': appendWithoutNotify,
  '0005_projection_rebuild': projectionRebuild,
  '0006_append_failed_stream_lookup': appendFailedStreamLookup,
  '0007_recorded_at_milliseconds': recordedAtMilliseconds,
  '0008_tally_sums': tallySums,
  '0009_current_row_by_incident': currentRowByIncident,
  '0010_long_spans': longSpans,
  '0011_append_planned_per_call': appendPlannedPerCall,
};
