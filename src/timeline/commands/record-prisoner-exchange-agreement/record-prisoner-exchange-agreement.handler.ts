import { commandHandlerFor } from '../command-handler';
import { RecordPrisonerExchangeAgreementCommand } from './record-prisoner-exchange-agreement.command';

/** Handles RecordPrisonerExchangeAgreementCommand through the command processor. */
export const RecordPrisonerExchangeAgreementHandler = commandHandlerFor(
  RecordPrisonerExchangeAgreementCommand,
);
