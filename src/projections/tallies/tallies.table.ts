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

/**
 * Strike lines summed per grouping: snapshot 0 now, snapshot k as of its recorded_until. `mask`
 * is SQL's grouping() of (attacker, weapon_kind, region, month); `keys` holds those four, null
 * where the grouping leaves one out. A figure's `_lines` counts the lines that give it.
 */
export interface TallyStrikeSumTable {
  snapshot: number;
  mask: number;
  keys: (string | null)[];
  strikes: string;
  lines: string;
  launched: string;
  launched_lines: string;
  intercepted: string;
  intercepted_lines: string;
  both_launched: string;
  both_intercepted: string;
}

/** Casualty lines summed per grouping of (country, region, month), as the strike sums. */
export interface TallyCasualtySumTable {
  snapshot: number;
  mask: number;
  keys: (string | null)[];
  lines: string;
  killed: string;
  killed_lines: string;
  injured: string;
  injured_lines: string;
  at_least_lines: string;
}

/** Counts of the other tallies by kind (exchanges, released, agreement_released, incidents, sanctions). */
export interface TallyCountTable {
  snapshot: number;
  kind: string;
  keys: (string | null)[];
  lines: string;
  n: string;
}

/** Snapshot 0: the versions applied and their latest valid_from; k ≥ 1: a snapshot's instant. */
export interface TallySnapshotTable {
  snapshot: number;
  versions: string;
  recorded_until: Date;
}

export interface TallyTables {
  'read_model.tally_incidents': TallyIncidentTable;
  'read_model.tally_released': TallyReleasedTable;
  'read_model.tally_weapons': TallyWeaponTable;
  'read_model.tally_casualties': TallyCasualtyTable;
  'read_model.tally_strike_sums': TallyStrikeSumTable;
  'read_model.tally_casualty_sums': TallyCasualtySumTable;
  'read_model.tally_counts': TallyCountTable;
  'read_model.tally_snapshots': TallySnapshotTable;
}
