/**
 * An incident's recorded fields were corrected. Recorded by `correct-incident`.
 *
 * `changes` is a JSON merge patch (RFC 7386) of the incident's own command body, already
 * normalised (region names replaced by codes): objects merge field by field, arrays replace,
 * null removes an optional field. Applying every correction in order to the first event's data
 * gives the incident as corrected.
 */
export interface IncidentCorrectedData {
  changes: Record<string, unknown>;
  reason: string;
}
