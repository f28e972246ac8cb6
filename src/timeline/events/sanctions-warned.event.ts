import type { IncidentCommon } from './incident.types';

/** `issuer` warned `target` of sanctions, possibly on a condition. Recorded by `warn-sanctions`. */
export interface SanctionsWarnedData extends IncidentCommon {
  issuer: string;
  target: string;
  condition?: string;
  sectors?: string[];
}
