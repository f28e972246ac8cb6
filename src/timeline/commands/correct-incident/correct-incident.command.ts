import { TimelineCommand } from '../timeline.command';
import type { CorrectIncidentInput } from '../validate-command';

/** `POST /v1/commands/correct-incident`. */
export class CorrectIncidentCommand extends TimelineCommand<CorrectIncidentInput> {}
