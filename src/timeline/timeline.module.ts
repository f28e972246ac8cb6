import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CommandProcessor } from './commands/command-processor';
import { CorrectIncidentHandler } from './commands/correct-incident/correct-incident.handler';
import { ExecuteBatchHandler } from './commands/execute-batch.command';
import { ImposeSanctionsHandler } from './commands/impose-sanctions/impose-sanctions.handler';
import { RecordPrisonerExchangeAgreementHandler } from './commands/record-prisoner-exchange-agreement/record-prisoner-exchange-agreement.handler';
import { RecordPrisonerExchangeHandler } from './commands/record-prisoner-exchange/record-prisoner-exchange.handler';
import { RecordStatementHandler } from './commands/record-statement/record-statement.handler';
import { RecordTalksHandler } from './commands/record-talks/record-talks.handler';
import { ReportCasualtiesHandler } from './commands/report-casualties/report-casualties.handler';
import { ReportStrikeHandler } from './commands/report-strike/report-strike.handler';
import { RetractIncidentHandler } from './commands/retract-incident/retract-incident.handler';
import { WarnSanctionsHandler } from './commands/warn-sanctions/warn-sanctions.handler';

const COMMAND_HANDLERS = [
  RecordPrisonerExchangeAgreementHandler,
  RecordPrisonerExchangeHandler,
  ReportStrikeHandler,
  ReportCasualtiesHandler,
  WarnSanctionsHandler,
  ImposeSanctionsHandler,
  RecordTalksHandler,
  RecordStatementHandler,
  CorrectIncidentHandler,
  RetractIncidentHandler,
  ExecuteBatchHandler,
];

/** The write side: command handlers over the event store. Needs STORE from the app. */
@Module({
  imports: [CqrsModule],
  providers: [CommandProcessor, ...COMMAND_HANDLERS],
  exports: [CommandProcessor],
})
export class TimelineModule {}
