import type { IncidentCommon } from './incident.types';

/**
 * Two parties agreed to exchange prisoners, `totalPerSide` each. Recorded by
 * `record-prisoner-exchange-agreement`; exchanges name it by its incident id.
 */
export interface PrisonerExchangeAgreedData extends IncidentCommon {
  /** Exactly two party codes. */
  parties: string[];
  totalPerSide: number;
  venue?: string;
}
