import type { CommandInput } from './validate-command';

/** Who sent a command, and the request it came in: written into every event's metadata. */
export interface CommandContext {
  /** The API key's name. */
  actor: string;
  requestId: string;
  correlationId: string;
}

/** What a command answers: the incident's stream and the events appended (or replayed). */
export interface CommandResult {
  /** 201 when events were appended, 200 for an idempotent replay. */
  status: 200 | 201;
  incidentId: string;
  streamId: string;
  streamVersion: number;
  events: { eventId: string; type: string; streamVersion: number; position: number }[];
  /** The last event's position: pass it as minPosition to read your own write. */
  position: number;
}

/** Base of every timeline command. The command bus routes by class, so construct with `new`. */
export abstract class TimelineCommand<I extends CommandInput = CommandInput> {
  constructor(
    readonly input: I,
    readonly context: CommandContext,
  ) {}
}
