import { commandHandlerFor } from '../command-handler';
import { RecordStatementCommand } from './record-statement.command';

/** Handles RecordStatementCommand through the command processor. */
export const RecordStatementHandler = commandHandlerFor(RecordStatementCommand);
