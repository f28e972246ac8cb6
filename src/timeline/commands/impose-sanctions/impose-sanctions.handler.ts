import { commandHandlerFor } from '../command-handler';
import { ImposeSanctionsCommand } from './impose-sanctions.command';

/** Handles ImposeSanctionsCommand through the command processor. */
export const ImposeSanctionsHandler = commandHandlerFor(ImposeSanctionsCommand);
