import type { Type } from '@nestjs/common';
import type { CommandName } from './command-names';
import { CorrectIncidentCommand } from './correct-incident/correct-incident.command';
import { ImposeSanctionsCommand } from './impose-sanctions/impose-sanctions.command';
import { RecordPrisonerExchangeAgreementCommand } from './record-prisoner-exchange-agreement/record-prisoner-exchange-agreement.command';
import { RecordPrisonerExchangeCommand } from './record-prisoner-exchange/record-prisoner-exchange.command';
import { RecordStatementCommand } from './record-statement/record-statement.command';
import { RecordTalksCommand } from './record-talks/record-talks.command';
import { ReportCasualtiesCommand } from './report-casualties/report-casualties.command';
import { ReportStrikeCommand } from './report-strike/report-strike.command';
import { RetractIncidentCommand } from './retract-incident/retract-incident.command';
import type { CommandContext, TimelineCommand } from './timeline.command';
import type { CommandInput } from './validate-command';
import { WarnSanctionsCommand } from './warn-sanctions/warn-sanctions.command';

const COMMAND_CLASSES: Record<CommandName, Type<TimelineCommand>> = {
  'record-prisoner-exchange-agreement': RecordPrisonerExchangeAgreementCommand,
  'record-prisoner-exchange': RecordPrisonerExchangeCommand,
  'report-strike': ReportStrikeCommand,
  'report-casualties': ReportCasualtiesCommand,
  'warn-sanctions': WarnSanctionsCommand,
  'impose-sanctions': ImposeSanctionsCommand,
  'record-talks': RecordTalksCommand,
  'record-statement': RecordStatementCommand,
  'correct-incident': CorrectIncidentCommand,
  'retract-incident': RetractIncidentCommand,
};

/** Builds the command object for a validated input (the bus routes by its class). */
export function createCommand(input: CommandInput, context: CommandContext): TimelineCommand {
  const CommandClass = COMMAND_CLASSES[input.name];
  return new CommandClass(input, context);
}
