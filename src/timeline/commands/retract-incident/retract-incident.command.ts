import { TimelineCommand } from '../timeline.command';
import type { RetractIncidentInput } from '../validate-command';

/** `POST /v1/commands/retract-incident`. */
export class RetractIncidentCommand extends TimelineCommand<RetractIncidentInput> {}
