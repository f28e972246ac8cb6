import type { CasualtiesReportedData } from './casualties-reported.event';
import type { IncidentCorrectedData } from './incident-corrected.event';
import type { IncidentRetractedData } from './incident-retracted.event';
import type { PrisonerExchangeAgreedData } from './prisoner-exchange-agreed.event';
import type { PrisonersExchangedData } from './prisoners-exchanged.event';
import type { SanctionsImposedData } from './sanctions-imposed.event';
import type { SanctionsWarnedData } from './sanctions-warned.event';
import type { StatementIssuedData } from './statement-issued.event';
import type { StrikeReportedData } from './strike-reported.event';
import type { TalksHeldData } from './talks-held.event';

export type * from './incident.types';
export { WEAPON_KINDS } from './incident.types';
export type {
  CasualtiesReportedData,
  IncidentCorrectedData,
  IncidentRetractedData,
  PrisonerExchangeAgreedData,
  PrisonersExchangedData,
  SanctionsImposedData,
  SanctionsWarnedData,
  StatementIssuedData,
  StrikeReportedData,
  TalksHeldData,
};

/** The data of each event that records a new incident, by event type. */
export interface IncidentDataByType {
  PrisonerExchangeAgreed: PrisonerExchangeAgreedData;
  PrisonersExchanged: PrisonersExchangedData;
  StrikeReported: StrikeReportedData;
  CasualtiesReported: CasualtiesReportedData;
  SanctionsWarned: SanctionsWarnedData;
  SanctionsImposed: SanctionsImposedData;
  TalksHeld: TalksHeldData;
  StatementIssued: StatementIssuedData;
}

/** The data of every event type of the timeline. */
export interface EventDataByType extends IncidentDataByType {
  IncidentCorrected: IncidentCorrectedData;
  IncidentRetracted: IncidentRetractedData;
}

/** Event types that open an incident's stream. */
export type IncidentEventType = keyof IncidentDataByType;
/** Every event type of the timeline. */
export type TimelineEventType = keyof EventDataByType;

export const INCIDENT_EVENT_TYPES: readonly IncidentEventType[] = [
  'PrisonerExchangeAgreed',
  'PrisonersExchanged',
  'StrikeReported',
  'CasualtiesReported',
  'SanctionsWarned',
  'SanctionsImposed',
  'TalksHeld',
  'StatementIssued',
];

export const TIMELINE_EVENT_TYPES: readonly TimelineEventType[] = [
  ...INCIDENT_EVENT_TYPES,
  'IncidentCorrected',
  'IncidentRetracted',
];

/** The body of an incident as recorded (any incident type). */
export type IncidentBody = IncidentDataByType[IncidentEventType];

/** The schema version every event is written with today. */
export const CURRENT_SCHEMA_VERSION = 1;

/** A timeline event in its current shape. */
export type TimelineEvent = {
  [K in TimelineEventType]: { type: K; data: EventDataByType[K] };
}[TimelineEventType];

/** An event the code cannot read: an unknown type, or a schema version with no upcaster. */
export class UnreadableEventError extends Error {
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
  ) {
    super(`no reader for event type ${type} at schema version ${schemaVersion}`);
  }
}

/** True for the event types of this timeline. */
export function isTimelineEventType(type: string): type is TimelineEventType {
  return (TIMELINE_EVENT_TYPES as readonly string[]).includes(type);
}

/** True for the event types that open an incident. */
export function isIncidentEventType(type: string): type is IncidentEventType {
  return (INCIDENT_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Brings a stored event to its current shape. Stored events are never rewritten: when a type's
 * shape changes, its schemaVersion goes up and an upcaster for the old version goes here.
 */
export function upcast(type: string, schemaVersion: number, data: unknown): TimelineEvent {
  if (!isTimelineEventType(type) || schemaVersion !== CURRENT_SCHEMA_VERSION) {
    throw new UnreadableEventError(type, schemaVersion);
  }
  return { type, data } as TimelineEvent;
}

/** The stream of an incident. */
export function incidentStreamId(incidentId: string): string {
  return `incident-${incidentId}`;
}

/** The incident id of an incident stream, or undefined for another stream. */
export function incidentIdOf(streamId: string): string | undefined {
  return streamId.startsWith('incident-') ? streamId.slice('incident-'.length) : undefined;
}
