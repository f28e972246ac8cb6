import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { STORE, type Store } from '../../database';
import {
  listProjections,
  pauseProjection,
  requestRebuild,
  resumeProjection,
  retryProjection,
  type OpsResult,
  type ProjectionView,
} from '../../ops';
import { ProjectionsService } from '../../projections/projections.service';
import { Access } from '../auth/access.decorator';
import { problem, ProblemException, validationProblem } from '../problem/problem';
import { QueryReader } from '../query';

/** The ops routes over the projections. */
@ApiTags('ops')
@Controller('v1/projections')
export class ProjectionsController {
  constructor(
    private readonly projections: ProjectionsService,
    @Inject(STORE) private readonly store: Store,
  ) {}

  @Get()
  @Access('ops')
  @ApiOperation({
    summary:
      'Every projection: status, position, head, lag, last error, rebuild progress, last dry run',
  })
  list(): Promise<ProjectionView[]> {
    return listProjections(this.store.db, this.projections.names);
  }

  @Post(':name/rebuild')
  @Access('ops')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Rebuild from the log into fresh tables while the live ones keep answering, then swap in one transaction',
    description:
      'With dryRun=true nothing is replaced: the rebuilt copy is compared with the live one (see verify).',
  })
  @ApiQuery({ name: 'dryRun', required: false })
  async rebuild(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
  ): Promise<ProjectionView> {
    const reader = new QueryReader(query, ['dryRun']);
    const dryRun = reader.boolean('dryRun', false);
    reader.done();
    return this.act(request, name, () => requestRebuild(this.store.db, name, { dryRun }));
  }

  @Post(':name/pause')
  @Access('ops')
  @HttpCode(200)
  pause(@Param('name') name: string, @Req() request: FastifyRequest): Promise<ProjectionView> {
    return this.act(request, name, () => pauseProjection(this.store.db, name));
  }

  @Post(':name/resume')
  @Access('ops')
  @HttpCode(200)
  resume(@Param('name') name: string, @Req() request: FastifyRequest): Promise<ProjectionView> {
    return this.act(request, name, () => resumeProjection(this.store.db, name));
  }

  @Post(':name/retry')
  @Access('ops')
  @HttpCode(200)
  retry(@Param('name') name: string, @Req() request: FastifyRequest): Promise<ProjectionView> {
    return this.act(request, name, () => retryProjection(this.store.db, name));
  }

  private async act(
    request: FastifyRequest,
    name: string,
    action: () => Promise<OpsResult>,
  ): Promise<ProjectionView> {
    if (request.body !== undefined && request.body !== null && request.body !== '') {
      throw validationProblem([{ path: '', message: 'ops actions take no body' }]);
    }
    if (!this.projections.names.includes(name)) {
      throw new ProblemException(
        problem(
          'not-found',
          `There is no projection ${name}; projections are ${this.projections.names.join(', ')}.`,
        ),
      );
    }
    const result = await action();
    if (!result.ok) throw new ProblemException(problem(result.problem, result.error));
    this.projections.wake();
    const [view] = await listProjections(this.store.db, [name]);
    return view!;
  }
}
