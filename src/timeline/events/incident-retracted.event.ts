/**
 * An incident was withdrawn: it no longer counts anywhere and cannot be corrected again.
 * Recorded by `retract-incident`.
 */
export interface IncidentRetractedData {
  reason: string;
}
