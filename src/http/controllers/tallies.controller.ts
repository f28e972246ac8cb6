import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STORE, type Store } from '../../database';
import { ProjectionsService } from '../../projections/projections.service';
import {
  queryCasualties,
  queryIncidentCounts,
  queryPrisoners,
  querySanctions,
  queryStrikes,
  TALLY_GROUPS,
  TALLY_NAMES,
  type TallyName,
} from '../../projections/tallies/tallies.queries';
import { Access } from '../auth/access.decorator';
import { problem, ProblemException } from '../problem/problem';
import { QueryReader } from '../query';
import {
  answer,
  COMMON_READ_PARAMS,
  freshness,
  readFreshness,
  readIncidentFilter,
} from '../read-params';

function isTallyName(name: string): name is TallyName {
  return (TALLY_NAMES as readonly string[]).includes(name);
}

/** The tallies: GET /v1/tallies/{prisoners|strikes|casualties|sanctions|incidents}. */
@ApiTags('read')
@Controller('v1/tallies')
export class TalliesController {
  constructor(
    private readonly projections: ProjectionsService,
    @Inject(STORE) private readonly store: Store,
  ) {}

  @Get(':name')
  @Access('reader')
  @ApiOperation({
    summary:
      'A tally, kept incrementally; retracted incidents never count, corrected ones count as corrected',
    description:
      'A summed figure is null when no line in the group gives it (unknown, never 0). Accept: text/csv answers the rows as CSV (prisoners: one line per agreement; an extension), meta in X-Position and X-Stale. sanctions and incidents also answer totals (an extension).',
  })
  @ApiParam({ name: 'name', enum: TALLY_NAMES })
  @ApiQuery({
    name: 'groupBy',
    required: false,
    description:
      'strikes: attacker,weaponKind,region,month; casualties: country,region,month; incidents: month',
  })
  async tally(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    if (!isTallyName(name)) {
      throw new ProblemException(
        problem('not-found', `There is no tally "${name}"; tallies are ${TALLY_NAMES.join(', ')}.`),
      );
    }
    const groups = TALLY_GROUPS[name];
    const reader = new QueryReader(query, [
      ...COMMON_READ_PARAMS,
      ...(groups.keys.length > 0 ? ['groupBy'] : []),
    ]);
    const filter = readIncidentFilter(reader);
    const fresh = readFreshness(reader);
    const groupBy = reader.list('groupBy', /^[A-Za-z]+$/, 4) ?? groups.default;
    const bad = groupBy.find((key) => !groups.keys.includes(key));
    if (bad)
      reader.fail('groupBy', `unknown key ${bad}; ${name} groups by ${groups.keys.join(', ')}`);
    if (new Set(groupBy).size !== groupBy.length)
      reader.fail('groupBy', 'must not name a key twice');
    reader.done();
    const meta = await freshness(this.projections, 'tallies', fresh, filter.asOf);
    const db = this.store.db;
    switch (name) {
      case 'prisoners': {
        const result = await queryPrisoners(db, filter);
        return answer(
          request,
          reply,
          { ...result, meta },
          result.agreements as Record<string, unknown>[],
          ['agreementId', 'parties', 'totalPerSide', 'releasedBy', 'progress'],
        );
      }
      case 'strikes': {
        const result = await queryStrikes(db, filter, groupBy);
        return answer(request, reply, { ...result, meta }, result.rows, [
          ...groupBy,
          'strikes',
          'launched',
          'intercepted',
          'interceptionRate',
        ]);
      }
      case 'casualties': {
        const result = await queryCasualties(db, filter, groupBy);
        return answer(request, reply, { ...result, meta }, result.rows, [
          ...groupBy,
          'killed',
          'injured',
          'atLeast',
        ]);
      }
      case 'sanctions': {
        const result = await querySanctions(db, filter);
        return answer(request, reply, { ...result, meta }, result.rows, [
          'issuer',
          'target',
          'warnings',
          'impositions',
        ]);
      }
      case 'incidents': {
        const result = await queryIncidentCounts(db, filter, groupBy);
        return answer(request, reply, { ...result, meta }, result.rows, [
          'type',
          ...(groupBy.includes('month') ? ['month'] : []),
          'count',
        ]);
      }
    }
  }
}
