import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/impose-sanctions`. */
export class ImposeSanctionsCommand extends TimelineCommand<RecordIncidentInput> {}
