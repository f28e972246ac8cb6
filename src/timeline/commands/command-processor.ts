import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { STORE, type Store } from '../../database';
import {
  appendToStreams,
  EventIdConflictError,
  readStreams,
  StreamVersionConflictError,
  type NewEvent,
  type StoredEvent,
  type StreamAppend,
} from '../../event-store';
import { CURRENT_SCHEMA_VERSION, incidentStreamId, upcast } from '../events';
import { evolve, foldIncident, initialIncidentState, type IncidentState } from '../incident.state';
import {
  BatchCommandRejectedError,
  DomainError,
  EventIdReusedError,
  ExpectedVersionMismatchError,
  IncidentAlreadyExistsError,
} from '../timeline.errors';
import { decideCorrectIncident } from './correct-incident/correct-incident.decide';
import { canonicalJson, type Decision, type PendingEvent } from './decision';
import { decideRecordIncident } from './record-incident.decide';
import { decideRetractIncident } from './retract-incident/retract-incident.decide';
import type { CommandResult, TimelineCommand } from './timeline.command';
import type { CommandInput } from './validate-command';

/** A command with its ids fixed, so that a retry appends the very same events. */
interface Planned {
  index: number;
  command: TimelineCommand;
  incidentId: string;
  streamId: string;
  eventId: string;
  /** The agreement the command names, if any. */
  agreementId?: string;
}

/**
 * A first event's id derived from the incident id, so that a client that chose the incident
 * id but not the event id can still retry safely (UUID version 5 layout over SHA-1).
 */
export function derivedEventId(incidentId: string, name: string): string {
  const bytes = createHash('sha1')
    .update(`timeline:${name}:${incidentId}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function agreementIdOf(input: CommandInput): string | undefined {
  if (input.kind === 'record' && 'agreementId' in input.data) return input.data.agreementId;
  if (input.kind === 'correct' && typeof input.changes.agreementId === 'string') {
    return input.changes.agreementId.toLowerCase();
  }
  return undefined;
}

function plan(command: TimelineCommand, index: number): Planned {
  const input = command.input;
  // A new incident given only its eventId gets an id derived from it, so that a retry lands on
  // the same stream and is an idempotent replay.
  const incidentId = (
    input.incidentId ??
    (input.kind === 'record' && input.eventId
      ? derivedEventId(input.eventId.toLowerCase(), 'incident')
      : randomUUID())
  ).toLowerCase();
  const eventId = (
    input.eventId ??
    (input.kind === 'record' && input.incidentId
      ? derivedEventId(incidentId, input.name)
      : randomUUID())
  ).toLowerCase();
  const agreementId = agreementIdOf(input);
  return {
    index,
    command,
    incidentId,
    streamId: incidentStreamId(incidentId),
    eventId,
    ...(agreementId ? { agreementId } : {}),
  };
}

const RETRY_DELAYS_MS = [5, 20, 60, 150];

/**
 * Runs commands: loads the incidents they touch, decides each in turn (a later command of a
 * batch sees what the earlier ones decided), and appends everything in one statement at the
 * versions it loaded. Without a client-given expectedVersion a lost race is retried briefly.
 */
@Injectable()
export class CommandProcessor {
  constructor(@Inject(STORE) private readonly store: Store) {}

  /** Executes one command, or a batch (all or nothing); results in command order. */
  async execute(
    commands: readonly TimelineCommand[],
    options: { batch?: boolean } = {},
  ): Promise<CommandResult[]> {
    const planned = commands.map(plan);
    const batch = options.batch ?? false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(planned, batch, attempt > 0);
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (
          error instanceof StreamVersionConflictError &&
          delay !== undefined &&
          this.mayRetry(planned, error)
        ) {
          await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
          continue;
        }
        throw this.translate(error, planned, batch);
      }
    }
  }

  // A lost race is retried only where the client did not pin a version.
  private mayRetry(planned: readonly Planned[], error: StreamVersionConflictError): boolean {
    return planned
      .filter((p) => p.streamId === error.streamId)
      .every(
        (p) => p.command.input.kind === 'record' || p.command.input.expectedVersion === undefined,
      );
  }

  private async attempt(
    planned: readonly Planned[],
    batch: boolean,
    loadAll: boolean,
  ): Promise<CommandResult[]> {
    const toLoad = new Set<string>();
    for (const p of planned) {
      if (p.command.input.kind !== 'record' || batch || loadAll) toLoad.add(p.streamId);
      if (p.agreementId) toLoad.add(incidentStreamId(p.agreementId));
    }
    const loaded =
      toLoad.size > 0
        ? await readStreams(this.store.db, [...toLoad])
        : new Map<string, StoredEvent[]>();
    const states = new Map<string, IncidentState>();
    for (const [streamId, events] of loaded) {
      states.set(streamId, foldIncident(streamId.slice('incident-'.length), events));
    }

    // The last command that reads each incident's state (its own, or an agreement it names):
    // after it, folding the decided events into that state would be work for nobody.
    const lastReader = new Map<string, number>();
    planned.forEach((p, i) => {
      lastReader.set(p.streamId, i);
      if (p.agreementId) lastReader.set(incidentStreamId(p.agreementId), i);
    });

    const appends = new Map<string, StreamAppend>();
    const decisions: Decision[] = [];
    for (const [i, p] of planned.entries()) {
      const state = states.get(p.streamId) ?? initialIncidentState(p.incidentId);
      let decision: Decision;
      try {
        decision = this.decide(p, state, states, loaded);
      } catch (error) {
        if (batch && error instanceof DomainError)
          throw new BatchCommandRejectedError(p.index, error);
        throw error;
      }
      decisions.push(decision);
      if (decision.kind === 'replay') continue;
      let append = appends.get(p.streamId);
      if (!append) {
        const version = loaded.has(p.streamId) ? state.version : 0;
        append = {
          streamId: p.streamId,
          expectedVersion: version === 0 ? 'none' : version,
          events: [],
        };
        appends.set(p.streamId, append);
      }
      for (const event of decision.events) append.events.push(this.toNewEvent(p, event));
      if (lastReader.get(p.streamId)! > i) {
        let next = state;
        for (const event of decision.events) {
          next = evolve(
            next,
            upcast(event.type, CURRENT_SCHEMA_VERSION, event.data),
            event.eventId,
          );
        }
        states.set(p.streamId, next);
      }
    }

    const appended = await appendToStreams(this.store.db, [...appends.values()]);
    const byEventId = new Map(appended.map((a) => [a.eventId, a]));
    return planned.map((p, i) => {
      const decision = decisions[i]!;
      if (decision.kind === 'replay') {
        const stored = loaded.get(p.streamId) ?? [];
        const first = decision.eventId
          ? stored.find((e) => e.eventId === decision.eventId)
          : stored[0];
        if (!first) throw new Error(`replayed incident ${p.incidentId} has no stored event`);
        return this.result(p, 200, [first]);
      }
      const events = decision.events.map((e) => {
        const a = byEventId.get(e.eventId);
        if (!a) throw new Error(`event ${e.eventId} was not appended`);
        return {
          eventId: a.eventId,
          type: e.type,
          streamVersion: a.streamVersion,
          position: a.position,
          replayed: a.replayed,
        };
      });
      return this.result(p, events.every((e) => e.replayed) ? 200 : 201, events);
    });
  }

  private decide(
    p: Planned,
    state: IncidentState,
    states: ReadonlyMap<string, IncidentState>,
    loaded: ReadonlyMap<string, StoredEvent[]>,
  ): Decision {
    const input = p.command.input;
    const agreement = p.agreementId ? states.get(incidentStreamId(p.agreementId)) : undefined;
    const context = agreement ? { agreement } : {};
    if (input.kind !== 'record') {
      // A correction or retraction whose eventId the stream already holds is a retry: decided
      // again against the incident as it was before that event, it must give the stored event.
      const stored = loaded.get(p.streamId) ?? [];
      const at = stored.findIndex((e) => e.eventId === p.eventId);
      if (at >= 0) {
        const first = stored[at]!;
        const type = input.kind === 'correct' ? 'IncidentCorrected' : 'IncidentRetracted';
        const before = foldIncident(p.incidentId, stored.slice(0, at));
        const ids = { incidentId: p.incidentId, eventId: p.eventId };
        let again: Decision | undefined;
        try {
          again =
            input.kind === 'correct'
              ? decideCorrectIncident({ ...input, ...ids }, before, context)
              : decideRetractIncident({ ...input, ...ids }, before);
        } catch (error) {
          // Any rejection means the body is not the one that event came from.
          if (!(error instanceof DomainError)) throw error;
        }
        const event = again?.kind === 'append' ? again.events[0] : undefined;
        if (
          first.type === type &&
          event?.type === type &&
          canonicalJson(event.data) === canonicalJson(first.data)
        ) {
          return { kind: 'replay', eventId: first.eventId };
        }
        throw new EventIdReusedError(p.eventId);
      }
    }
    switch (input.kind) {
      case 'record': {
        const first = loaded.get(p.streamId)?.[0];
        return decideRecordIncident(
          { ...input, incidentId: p.incidentId, eventId: p.eventId },
          state,
          {
            ...context,
            ...(first ? { storedFirst: { eventId: first.eventId, data: first.data } } : {}),
          },
        );
      }
      case 'correct':
        return decideCorrectIncident(
          { ...input, incidentId: p.incidentId, eventId: p.eventId },
          state,
          context,
        );
      case 'retract':
        return decideRetractIncident(
          { ...input, incidentId: p.incidentId, eventId: p.eventId },
          state,
        );
    }
  }

  private toNewEvent(p: Planned, event: PendingEvent): NewEvent {
    const { actor, requestId, correlationId } = p.command.context;
    return {
      eventId: event.eventId,
      type: event.type,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      data: event.data,
      metadata: {
        correlationId,
        causationId: requestId,
        actor,
        requestId,
        schemaVersion: CURRENT_SCHEMA_VERSION,
      },
      occurredAt: event.occurredAt ?? null,
    };
  }

  private result(
    p: Planned,
    status: 200 | 201,
    events: { eventId: string; type: string; streamVersion: number; position: number }[],
  ): CommandResult {
    const last = events[events.length - 1]!;
    return {
      status,
      incidentId: p.incidentId,
      streamId: p.streamId,
      streamVersion: last.streamVersion,
      events: events.map(({ eventId, type, streamVersion, position }) => ({
        eventId,
        type,
        streamVersion,
        position,
      })),
      position: last.position,
    };
  }

  private translate(error: unknown, planned: readonly Planned[], batch: boolean): unknown {
    let domain: DomainError | undefined;
    let index = 0;
    if (error instanceof StreamVersionConflictError) {
      const p = planned.find((q) => q.streamId === error.streamId);
      index = p?.index ?? 0;
      const input = p?.command.input;
      if (input && input.kind !== 'record' && input.expectedVersion !== undefined) {
        domain = new ExpectedVersionMismatchError(
          p.incidentId,
          input.expectedVersion,
          error.current,
        );
      } else if (input?.kind === 'record') {
        domain = new IncidentAlreadyExistsError(p!.incidentId);
      } else {
        domain = new ExpectedVersionMismatchError(
          p?.incidentId ?? error.streamId,
          typeof error.expected === 'number' ? error.expected : 'none',
          error.current,
        );
      }
    } else if (error instanceof EventIdConflictError) {
      const p = planned.find((q) => q.eventId === error.id || q.streamId === error.id);
      index = p?.index ?? 0;
      domain =
        p && p.command.input.kind === 'record'
          ? new IncidentAlreadyExistsError(p.incidentId)
          : new EventIdReusedError(error.id);
    }
    if (!domain) return error;
    return batch ? new BatchCommandRejectedError(index, domain) : domain;
  }
}
