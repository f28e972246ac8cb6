import { commandHandlerFor } from '../command-handler';
import { CorrectIncidentCommand } from './correct-incident.command';

/** Handles CorrectIncidentCommand through the command processor. */
export const CorrectIncidentHandler = commandHandlerFor(CorrectIncidentCommand);
