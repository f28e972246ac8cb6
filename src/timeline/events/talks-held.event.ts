import type { IncidentCommon } from './incident.types';

/** Two or more parties held talks at `venue`. Recorded by `record-talks`. */
export interface TalksHeldData extends IncidentCommon {
  parties: string[];
  venue: string;
  outcome: string;
}
