import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/record-statement`. */
export class RecordStatementCommand extends TimelineCommand<RecordIncidentInput> {}
