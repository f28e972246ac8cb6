import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STORE, type Store } from '../../database';
import { readStream } from '../../event-store';
import { ProjectionsService } from '../../projections/projections.service';
import { queryIncident, queryTimeline } from '../../projections/timeline/timeline.queries';
import { incidentStreamId, INCIDENT_EVENT_TYPES, isUuid } from '../../timeline';
import { Access } from '../auth/access.decorator';
import { toEnvelope } from '../envelope';
import { problem, ProblemException, validationProblem } from '../problem/problem';
import { QueryReader } from '../query';
import {
  answer,
  COMMON_READ_PARAMS,
  freshness,
  readFreshness,
  readIncidentFilter,
} from '../read-params';

function encodeCursor(last: { occurredAt: Date; incidentId: string }): string {
  return Buffer.from(JSON.stringify([last.occurredAt.toISOString(), last.incidentId])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { occurredAt: Date; incidentId: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !isUuid(id)) return undefined;
    return { occurredAt: new Date(at), incidentId: id };
  } catch {
    return undefined;
  }
}

const ITEM_COLUMNS = [
  'incidentId',
  'type',
  'occurredAt',
  'occurredUntil',
  'precision',
  'location',
  'summary',
  'sources',
  'tags',
  'details',
  'status',
  'version',
  'recordedAt',
  'updatedAt',
  'position',
];

/** The timeline read model: GET /v1/timeline and GET /v1/timeline/{incidentId}. */
@ApiTags('read')
@Controller('v1/timeline')
export class TimelineController {
  constructor(
    private readonly projections: ProjectionsService,
    @Inject(STORE) private readonly store: Store,
  ) {}

  @Get()
  @Access('reader')
  @ApiOperation({
    summary: 'Incidents in occurredAt order, filtered, with keyset pagination',
    description:
      'Accept: text/csv answers CSV (one line per item, nested values JSON-encoded; meta in X-Position, X-Stale, X-As-Of and the next cursor in X-Next-Cursor: an extension).',
  })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'type', required: false, description: 'event type names, comma-separated' })
  @ApiQuery({ name: 'country', required: false })
  @ApiQuery({ name: 'region', required: false, description: 'code or name' })
  @ApiQuery({ name: 'party', required: false })
  @ApiQuery({ name: 'tag', required: false })
  @ApiQuery({
    name: 'q',
    required: false,
    description: 'all words, case-insensitive, over summary, place and source names',
  })
  @ApiQuery({ name: 'includeRetracted', required: false })
  @ApiQuery({ name: 'order', required: false, enum: ['asc', 'desc'] })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiQuery({ name: 'waitMs', required: false, description: '0..10000, default 0' })
  async list(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const reader = new QueryReader(query, [
      ...COMMON_READ_PARAMS,
      'type',
      'tag',
      'q',
      'includeRetracted',
      'order',
      'limit',
      'cursor',
    ]);
    const filter = readIncidentFilter(reader);
    const fresh = readFreshness(reader);
    const types = reader.list('type', /^[A-Za-z]+$/, 20);
    const unknownType = types?.find(
      (t) => !(INCIDENT_EVENT_TYPES as readonly string[]).includes(t),
    );
    if (unknownType)
      reader.fail(
        'type',
        `unknown type ${unknownType}; types are ${INCIDENT_EVENT_TYPES.join(', ')}`,
      );
    const tag = reader.text('tag', 50);
    const q = reader.text('q', 500);
    const includeRetracted = reader.boolean('includeRetracted', false);
    const order = reader.oneOf('order', ['asc', 'desc'] as const, 'asc');
    const limit = reader.integer('limit', 50, 1, 500);
    const cursorText = reader.text('cursor', 500);
    const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (cursorText !== undefined && !after)
      reader.fail('cursor', 'is not a cursor this service gave');
    reader.done();
    const meta = await freshness(this.projections, 'timeline', fresh, filter.asOf);
    const page = await queryTimeline(this.store.db, {
      ...filter,
      ...(types ? { types } : {}),
      ...(tag ? { tag } : {}),
      ...(q ? { q } : {}),
      ...(after ? { after } : {}),
      includeRetracted,
      order,
      limit,
    });
    const nextCursor = page.last ? encodeCursor(page.last) : null;
    return answer(
      request,
      reply,
      { items: page.items, nextCursor, meta },
      page.items as never[],
      ITEM_COLUMNS,
    );
  }

  @Get(':incidentId')
  @Access('reader')
  @ApiOperation({
    summary: 'One incident with its whole history (every event of its stream, in order)',
  })
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiQuery({ name: 'waitMs', required: false })
  async one(
    @Param('incidentId') incidentId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<unknown> {
    const reader = new QueryReader(query, ['asOf', 'minPosition', 'waitMs']);
    const filter = readIncidentFilter(reader);
    const fresh = readFreshness(reader);
    reader.done();
    if (!isUuid(incidentId))
      throw validationProblem([{ path: 'incidentId', message: 'must be a UUID' }]);
    const id = incidentId.toLowerCase();
    const meta = await freshness(this.projections, 'timeline', fresh, filter.asOf);
    const item = await queryIncident(this.store.db, id, filter.asOf);
    if (!item) {
      throw new ProblemException(
        problem(
          'not-found',
          `There is no incident ${id}${filter.asOf ? ` as of ${filter.asOf.toISOString()}` : ''}.`,
        ),
      );
    }
    const history = await readStream(this.store.db, incidentStreamId(id));
    return {
      ...item,
      history: history.filter((e) => e.streamVersion <= item.version).map(toEnvelope),
      meta,
    };
  }
}
