import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/record-prisoner-exchange`. */
export class RecordPrisonerExchangeCommand extends TimelineCommand<RecordIncidentInput> {}
