import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/report-casualties`. */
export class ReportCasualtiesCommand extends TimelineCommand<RecordIncidentInput> {}
