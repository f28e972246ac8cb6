import { INCIDENT_COMMAND_EVENTS } from './command-names';
import type { IncidentState } from '../incident.state';
import { parseOccurred } from '../time';
import { IncidentAlreadyExistsError, UnresolvedReferenceError } from '../timeline.errors';
import { canonicalJson, type Decision } from './decision';
import type { RecordIncidentInput } from './validate-command';

/** What a new-incident decision needs to know besides the incident itself. */
export interface RecordIncidentContext {
  /** The data of the incident's first stored event, when the stream exists. */
  storedFirst?: { eventId: string; data: unknown };
  /** The agreement an exchange names, when it names one. */
  agreement?: IncidentState;
}

/**
 * Decides a command that records a new incident. A stream that already holds this very event
 * (same id, same data) makes the command an idempotent replay; any other content is a conflict.
 * Pure: ids are chosen by the caller.
 */
export function decideRecordIncident(
  input: RecordIncidentInput & { incidentId: string; eventId: string },
  state: IncidentState,
  context: RecordIncidentContext,
): Decision {
  if (state.version > 0) {
    const stored = context.storedFirst;
    if (
      stored &&
      stored.eventId === input.eventId &&
      canonicalJson(stored.data) === canonicalJson(input.data)
    ) {
      return { kind: 'replay' };
    }
    throw new IncidentAlreadyExistsError(input.incidentId);
  }
  if ('agreementId' in input.data && input.data.agreementId !== undefined) {
    checkAgreement(input.data.agreementId, context.agreement, 'agreementId');
  }
  const occurred = parseOccurred(input.data.occurredAt);
  return {
    kind: 'append',
    events: [
      {
        eventId: input.eventId,
        type: INCIDENT_COMMAND_EVENTS[input.name],
        data: input.data,
        ...('error' in occurred ? {} : { occurredAt: occurred.instant.toISOString() }),
      },
    ],
  };
}

/** Throws unless `agreement` is a live PrisonerExchangeAgreed incident. */
export function checkAgreement(
  agreementId: string,
  agreement: IncidentState | undefined,
  path: string,
): void {
  if (!agreement || agreement.version === 0) {
    throw new UnresolvedReferenceError(path, `agreement ${agreementId} does not exist`);
  }
  if (agreement.type !== 'PrisonerExchangeAgreed') {
    throw new UnresolvedReferenceError(
      path,
      `incident ${agreementId} is a ${agreement.type ?? 'unknown'} incident, not a PrisonerExchangeAgreed`,
    );
  }
  if (agreement.retracted) {
    throw new UnresolvedReferenceError(path, `agreement ${agreementId} is retracted`);
  }
}
