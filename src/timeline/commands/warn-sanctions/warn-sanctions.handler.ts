import { commandHandlerFor } from '../command-handler';
import { WarnSanctionsCommand } from './warn-sanctions.command';

/** Handles WarnSanctionsCommand through the command processor. */
export const WarnSanctionsHandler = commandHandlerFor(WarnSanctionsCommand);
