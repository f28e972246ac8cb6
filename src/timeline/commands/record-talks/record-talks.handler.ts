import { commandHandlerFor } from '../command-handler';
import { RecordTalksCommand } from './record-talks.command';

/** Handles RecordTalksCommand through the command processor. */
export const RecordTalksHandler = commandHandlerFor(RecordTalksCommand);
