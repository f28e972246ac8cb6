import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { STORE, type Store } from '../../database';
import {
  checkpointAt,
  LOG_START,
  readEvent,
  readLog,
  readStream,
  readStreamVersion,
} from '../../event-store';
import { isUuid } from '../../timeline';
import { toEnvelope, type EventEnvelope } from '../envelope';
import { Access } from '../auth/access.decorator';
import { problem, ProblemException, validationProblem } from '../problem/problem';
import { QueryReader } from '../query';

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const STREAM_ID = /^[\x21-\x7e]{1,300}$/;

/** The log over HTTP: streams, the global log in its safe order, single events. */
@ApiTags('log')
@Controller('v1')
export class LogController {
  constructor(@Inject(STORE) private readonly store: Store) {}

  @Get('streams/:streamId')
  @Access('reader')
  @ApiOperation({ summary: "A stream's events in version order (404 for an unknown stream)" })
  @ApiQuery({ name: 'fromVersion', required: false, description: '1-based, inclusive (default 1)' })
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 100' })
  @ApiOkResponse({
    description: '{ streamId, version, events: [envelope], nextVersion: number | null }',
  })
  async stream(
    @Param('streamId') streamId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<unknown> {
    const reader = new QueryReader(query, ['fromVersion', 'limit']);
    const fromVersion = reader.integer('fromVersion', 1, 1, Number.MAX_SAFE_INTEGER);
    const limit = reader.integer('limit', 100, 1, 1000);
    if (!STREAM_ID.test(streamId)) reader.fail('streamId', 'must be 1 to 300 printable characters');
    reader.done();
    const version = await readStreamVersion(this.store.db, streamId);
    if (version === undefined)
      throw new ProblemException(problem('not-found', `There is no stream ${streamId}.`));
    const events = await readStream(this.store.db, streamId, { fromVersion, limit });
    const last = events[events.length - 1];
    return {
      streamId,
      version,
      events: events.map(toEnvelope),
      nextVersion: last && last.streamVersion < version ? last.streamVersion + 1 : null,
    };
  }

  @Get('events')
  @Access('reader')
  @ApiOperation({
    summary:
      'The global log in its safe order; never skips an event that commits later with a lower position',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'the position of the last event received',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 100' })
  @ApiQuery({ name: 'type', required: false, description: 'event types, comma-separated' })
  @ApiOkResponse({
    description: '{ events: [envelope], next: position to pass as after | null at the head }',
  })
  async events(@Query() query: Record<string, unknown>): Promise<unknown> {
    const reader = new QueryReader(query, ['after', 'limit', 'type']);
    const after = reader.integer('after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = reader.integer('limit', 100, 1, 1000);
    const types = reader.list('type', TYPE_NAME);
    reader.done();
    const from = after === 0 ? LOG_START : await checkpointAt(this.store.db, after);
    if (!from)
      throw validationProblem([{ path: 'after', message: `no event has position ${after}` }]);
    const events = await readLog(this.store.db, from, { limit, types });
    const last = events[events.length - 1];
    return {
      events: events.map(toEnvelope),
      next: events.length === limit && last ? last.position : null,
    };
  }

  @Get('events/:eventId')
  @Access('reader')
  @ApiOperation({ summary: 'One event by id' })
  async event(@Param('eventId') eventId: string): Promise<EventEnvelope> {
    if (!isUuid(eventId)) throw validationProblem([{ path: 'eventId', message: 'must be a UUID' }]);
    const event = await readEvent(this.store.db, eventId.toLowerCase());
    if (!event) throw new ProblemException(problem('not-found', `There is no event ${eventId}.`));
    return toEnvelope(event);
  }
}
