import { commandHandlerFor } from '../command-handler';
import { RecordPrisonerExchangeCommand } from './record-prisoner-exchange.command';

/** Handles RecordPrisonerExchangeCommand through the command processor. */
export const RecordPrisonerExchangeHandler = commandHandlerFor(RecordPrisonerExchangeCommand);
