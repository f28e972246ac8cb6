import type { IncidentState } from '../../incident.state';
import { applyMergePatch } from '../../incident.state';
import { parseOccurred } from '../../time';
import {
  ExpectedVersionMismatchError,
  IncidentNotFoundError,
  IncidentRetractedError,
  InvalidCommandError,
} from '../../timeline.errors';
import { commandNameOf } from '../command-names';
import { createMergePatch, type Decision } from '../decision';
import { checkAgreement } from '../record-incident.decide';
import { prefixErrors } from '../validation';
import {
  validateCommand,
  type CorrectIncidentInput,
  type RecordIncidentInput,
} from '../validate-command';

/** Checks a correction against the incident: the merged body must pass the incident's own command's rules. */
export function decideCorrectIncident(
  input: CorrectIncidentInput & { eventId: string },
  state: IncidentState,
  context: { agreement?: IncidentState },
): Decision {
  if (state.version === 0 || !state.type) throw new IncidentNotFoundError(input.incidentId);
  // A stale expectedVersion is answered as such (with currentVersion), retracted or not.
  if (input.expectedVersion !== undefined && input.expectedVersion !== state.version) {
    throw new ExpectedVersionMismatchError(input.incidentId, input.expectedVersion, state.version);
  }
  if (state.retracted) throw new IncidentRetractedError(input.incidentId);
  const fixed = ['incidentId', 'eventId'].filter((key) => key in input.changes);
  if (fixed.length > 0) {
    throw new InvalidCommandError(
      fixed.map((key) => ({ path: `changes.${key}`, message: 'cannot be changed' })),
    );
  }
  const merged = applyMergePatch(state.body, input.changes);
  const validation = validateCommand(commandNameOf(state.type), merged);
  if (!validation.ok) throw new InvalidCommandError(prefixErrors('changes', validation.errors));
  const next = (validation.value as RecordIncidentInput).data;
  if ('agreementId' in input.changes && 'agreementId' in next && next.agreementId !== undefined) {
    checkAgreement(next.agreementId, context.agreement, 'changes.agreementId');
  }
  const changes = createMergePatch(state.body, next) as Record<string, unknown>;
  const occurred = parseOccurred(next.occurredAt);
  return {
    kind: 'append',
    events: [
      {
        eventId: input.eventId,
        type: 'IncidentCorrected',
        data: { changes, reason: input.reason },
        ...('error' in occurred ? {} : { occurredAt: occurred.instant.toISOString() }),
      },
    ],
  };
}
