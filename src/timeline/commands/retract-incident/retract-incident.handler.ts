import { commandHandlerFor } from '../command-handler';
import { RetractIncidentCommand } from './retract-incident.command';

/** Handles RetractIncidentCommand through the command processor. */
export const RetractIncidentHandler = commandHandlerFor(RetractIncidentCommand);
