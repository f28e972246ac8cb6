import type { CasualtyLine, IncidentCommon } from './incident.types';

/** People killed or injured, by region. Recorded by `report-casualties`. */
export interface CasualtiesReportedData extends IncidentCommon {
  casualties: CasualtyLine[];
  cause?: string;
}
