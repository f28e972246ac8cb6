import { commandHandlerFor } from '../command-handler';
import { ReportStrikeCommand } from './report-strike.command';

/** Handles ReportStrikeCommand through the command processor. */
export const ReportStrikeHandler = commandHandlerFor(ReportStrikeCommand);
