import type { IncidentCommon } from './incident.types';

/** Someone made a public statement. Recorded by `record-statement`. */
export interface StatementIssuedData extends IncidentCommon {
  speaker: string;
  role?: string;
  party?: string;
  text: string;
  topics?: string[];
}
