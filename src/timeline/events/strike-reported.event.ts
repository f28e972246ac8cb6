import type { CasualtyLine, IncidentCommon, WeaponLine } from './incident.types';

/** An attack by `attacker` with the weapons listed, and what it hit. Recorded by `report-strike`. */
export interface StrikeReportedData extends IncidentCommon {
  attacker: string;
  weapons: WeaponLine[];
  targetsHit?: string[];
  casualties?: CasualtyLine[];
}
