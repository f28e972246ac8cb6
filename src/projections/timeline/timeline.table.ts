import type { ColumnType } from 'kysely';

/** One version of an incident in the timeline (valid_to null: the current one). */
export interface TimelineTable {
  incident_id: string;
  version: number;
  valid_from: Date;
  valid_to: Date | null;
  type: string;
  status: 'reported' | 'corrected' | 'retracted';
  occurred_at: Date;
  occurred_until: Date | null;
  occurred_end: Date;
  precision: 'day' | 'instant';
  country: string;
  location_regions: string[];
  place: string | null;
  summary: string;
  // Written as JSON by insertRows (the projection names them), not as text.
  sources: ColumnType<unknown, unknown, never>;
  tags: string[];
  details: ColumnType<Record<string, unknown>, Record<string, unknown>, never>;
  regions: string[];
  parties: string[];
  search_text: string;
  search: ColumnType<string, never, never>;
  recorded_at: Date;
  updated_at: Date;
  position: number;
}

export interface TimelineTables {
  'read_model.timeline': TimelineTable;
}
