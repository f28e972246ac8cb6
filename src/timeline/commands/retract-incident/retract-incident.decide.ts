import type { IncidentState } from '../../incident.state';
import {
  ExpectedVersionMismatchError,
  IncidentNotFoundError,
  IncidentRetractedError,
} from '../../timeline.errors';
import type { Decision } from '../decision';
import type { RetractIncidentInput } from '../validate-command';

/** Retracts a live incident. */
export function decideRetractIncident(
  input: RetractIncidentInput & { eventId: string },
  state: IncidentState,
): Decision {
  if (state.version === 0) throw new IncidentNotFoundError(input.incidentId);
  // A stale expectedVersion is answered as such (with currentVersion), retracted or not.
  if (input.expectedVersion !== undefined && input.expectedVersion !== state.version) {
    throw new ExpectedVersionMismatchError(input.incidentId, input.expectedVersion, state.version);
  }
  if (state.retracted) throw new IncidentRetractedError(input.incidentId);
  return {
    kind: 'append',
    events: [{ eventId: input.eventId, type: 'IncidentRetracted', data: { reason: input.reason } }],
  };
}
