import { commandHandlerFor } from '../command-handler';
import { ReportCasualtiesCommand } from './report-casualties.command';

/** Handles ReportCasualtiesCommand through the command processor. */
export const ReportCasualtiesHandler = commandHandlerFor(ReportCasualtiesCommand);
