import type { IncidentCommon } from './incident.types';

/** `issuer` imposed sanctions on `target`. Recorded by `impose-sanctions`. */
export interface SanctionsImposedData extends IncidentCommon {
  issuer: string;
  target: string;
  package?: string;
  sectors?: string[];
}
