/** Where an incident happened. `regions` are ISO 3166-2 codes of `country`. */
export interface IncidentLocation {
  /** ISO 3166-1 alpha-2 code. */
  country: string;
  regions?: string[];
  place?: string;
  /** Degrees, WGS 84. */
  lat?: number;
  lon?: number;
}

/** Where a report came from. */
export interface IncidentSource {
  name: string;
  /** http(s) URL. */
  url?: string;
  /** ISO 8601 date-time. */
  publishedAt?: string;
}

/**
 * The fields every incident-recording command shares, as stored in its first event.
 *
 * `occurredAt` and `occurredUntil` keep the form they were given in: a calendar date
 * (`YYYY-MM-DD`, a day in Europe/Kyiv) or a UTC date-time, so a later correction can be
 * merged into them and validated again.
 */
export interface IncidentCommon {
  occurredAt: string;
  occurredUntil?: string;
  location: IncidentLocation;
  summary: string;
  sources: IncidentSource[];
  tags?: string[];
}

/** A released-prisoners line: `count` people released by party `by`. */
export interface ReleasedLine {
  by: string;
  count: number;
  categories?: string[];
}

/** Kinds of weapon a strike line can name. */
export const WEAPON_KINDS = [
  'drone',
  'ballistic_missile',
  'cruise_missile',
  'guided_bomb',
  'artillery',
  'other',
] as const;
export type WeaponKind = (typeof WEAPON_KINDS)[number];

/** A weapon line of a strike. A figure the source did not give is absent: unknown, not 0. */
export interface WeaponLine {
  kind: WeaponKind;
  model?: string;
  launched?: number;
  intercepted?: number;
  /** ISO 3166-2 code. */
  region?: string;
}

/** A casualty line. `atLeast` marks figures reported as lower bounds. */
export interface CasualtyLine {
  region?: string;
  killed?: number;
  injured?: number;
  atLeast?: boolean;
}
