import { TimelineCommand } from '../timeline.command';
import type { RecordIncidentInput } from '../validate-command';

/** `POST /v1/commands/warn-sanctions`. */
export class WarnSanctionsCommand extends TimelineCommand<RecordIncidentInput> {}
