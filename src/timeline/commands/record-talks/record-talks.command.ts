import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/record-talks`. */
export class RecordTalksCommand extends TimelineCommand<RecordIncidentInput> {}
