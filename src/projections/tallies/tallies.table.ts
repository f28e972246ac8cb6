/** One version of an incident that counts in the tallies (retracted incidents have none current). */
export interface TallyIncidentTable {
  incident_id: string;
  version: number;
  valid_from: Date;
  valid_to: Date | null;
  type: string;
  occurred_at: Date;
  occurred_end: Date;
  month: string;
  country: string;
  regions: string[];
  parties: string[];
  agreement_id: string | null;
  agreement_parties: string[] | null;
  total_per_side: number | null;
  issuer: string | null;
  target: string | null;
}

/** Prisoners released by a party in one exchange version. */
export interface TallyReleasedTable {
  incident_id: string;
  version: number;
  line: number;
  party: string;
  count: number;
}

/** A weapon line of a strike version. A figure the source did not give is null. */
export interface TallyWeaponTable {
  incident_id: string;
  version: number;
  line: number;
  attacker: string;
  weapon_kind: string;
  region: string | null;
  launched: number | null;
  intercepted: number | null;
}

/** A casualty line of a strike or casualties version. */
export interface TallyCasualtyTable {
  incident_id: string;
  version: number;
  line: number;
  region: string | null;
  killed: number | null;
  injured: number | null;
  at_least: boolean;
}

export interface TallyTables {
  'read_model.tally_incidents': TallyIncidentTable;
  'read_model.tally_released': TallyReleasedTable;
  'read_model.tally_weapons': TallyWeaponTable;
  'read_model.tally_casualties': TallyCasualtyTable;
}
