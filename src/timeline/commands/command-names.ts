import type { IncidentEventType } from '../events';

/** Commands that record a new incident, and the event each appends. */
export const INCIDENT_COMMAND_EVENTS = {
  'record-prisoner-exchange-agreement': 'PrisonerExchangeAgreed',
  'record-prisoner-exchange': 'PrisonersExchanged',
  'report-strike': 'StrikeReported',
  'report-casualties': 'CasualtiesReported',
  'warn-sanctions': 'SanctionsWarned',
  'impose-sanctions': 'SanctionsImposed',
  'record-talks': 'TalksHeld',
  'record-statement': 'StatementIssued',
} as const satisfies Record<string, IncidentEventType>;

export type IncidentCommandName = keyof typeof INCIDENT_COMMAND_EVENTS;
export type CommandName = IncidentCommandName | 'correct-incident' | 'retract-incident';

export const INCIDENT_COMMAND_NAMES = Object.keys(INCIDENT_COMMAND_EVENTS) as IncidentCommandName[];
export const COMMAND_NAMES: readonly CommandName[] = [
  ...INCIDENT_COMMAND_NAMES,
  'correct-incident',
  'retract-incident',
];

/** True for a command this service knows. */
export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/** True for a command that records a new incident. */
export function isIncidentCommandName(name: string): name is IncidentCommandName {
  return Object.hasOwn(INCIDENT_COMMAND_EVENTS, name);
}

/** The command that records incidents of an event type. */
export function commandNameOf(type: IncidentEventType): IncidentCommandName {
  const found = INCIDENT_COMMAND_NAMES.find((name) => INCIDENT_COMMAND_EVENTS[name] === type);
  if (!found) throw new Error(`no command records ${type}`);
  return found;
}
