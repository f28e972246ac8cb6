import type { IncidentCommon, ReleasedLine } from './incident.types';

/** Prisoners were released, `released[].count` by each party. Recorded by `record-prisoner-exchange`. */
export interface PrisonersExchangedData extends IncidentCommon {
  released: ReleasedLine[];
  /** Incident id of the PrisonerExchangeAgreed this exchange fulfils in part. */
  agreementId?: string;
  mediator?: string;
}
