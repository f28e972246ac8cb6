import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/report-strike`. */
export class ReportStrikeCommand extends TimelineCommand<RecordIncidentInput> {}
