import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Logger,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config';
import { STORE, type Store } from '../../database';
import { importNdjson, readLogForExport } from '../../ops/export-import';
import { Access } from '../auth/access.decorator';
import { problem, ProblemException } from '../problem/problem';
import { QueryReader } from '../query';
import { RawWriter } from '../raw-writer';

/** Export and import of the whole log as NDJSON envelopes (ops). */
@ApiTags('ops')
@Controller('v1')
export class ExportController {
  private readonly logger = new Logger('export');

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('export')
  @Access('ops')
  @ApiOperation({
    summary: 'Every event as NDJSON envelopes, streamed in log order',
    description:
      'One envelope per line, in the safe order of GET /v1/events, up to the head when the export began. ' +
      '`data` is as stored, at its `schemaVersion`; times carry microseconds when they have any. ' +
      'Feed the file to POST /v1/import to restore it.',
  })
  @ApiOkResponse({ description: 'application/x-ndjson', content: { 'application/x-ndjson': {} } })
  async export(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    new QueryReader(query, []).done();
    // The first page is read before the answer starts, so an unreachable store is still a 503.
    const pages = readLogForExport(this.store.db, { batchSize: 1000 });
    let next = await pages.next();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'content-disposition': 'attachment; filename="timeline-export.ndjson"',
      'x-request-id': request.id,
    });
    const writer = new RawWriter(raw, this.config.liveStallMs);
    let count = 0;
    const started = Date.now();
    try {
      while (!next.done) {
        const lines = next.value.map((event) => `${JSON.stringify(event)}\n`).join('');
        if (!(await writer.write(lines))) {
          this.logger.warn(`export stopped after ${count} events: the client went away`);
          await pages.return(undefined);
          return;
        }
        count += next.value.length;
        next = await pages.next();
      }
      writer.end();
      this.logger.log(`export: ${count} events in ${Date.now() - started} ms`);
    } catch (error) {
      // The status line is gone: all that is left is to cut the answer short, so the client
      // sees a truncated file rather than a complete-looking one.
      this.logger.error(
        `export failed after ${count} events: ${error instanceof Error ? error.message : String(error)}`,
      );
      raw.destroy();
    }
  }

  @Post('import')
  @Access('ops')
  @HttpCode(200)
  @ApiConsumes('application/x-ndjson')
  @ApiOperation({
    summary: 'Appends NDJSON envelopes (as export writes them) in atomic batches of 1000',
    description:
      'Keeps eventId, streamId, streamVersion, type, schemaVersion, data, metadata, occurredAt and recordedAt; positions are assigned anew. ' +
      'Streamed: any size, in constant memory. An event already stored with the same content is skipped, so importing a file twice adds nothing. ' +
      'The first malformed line (400), event id stored with other content or stream-version gap (409) stops the import; ' +
      'errors name it (`line N`), and everything before that line stays in, so a corrected file can be imported again. ' +
      'The problem also carries `imported` and `skipped` so far.',
  })
  @ApiOkResponse({ description: '{ imported, skipped }' })
  async import(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<{ imported: number; skipped: number }> {
    if (!(body instanceof Readable)) {
      throw new ProblemException(
        problem(
          'unsupported-media-type',
          `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here; send application/x-ndjson.`,
        ),
      );
    }
    // Not destroyed when the import stops early: the rest of the body is drained below.
    const source = body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
    const result = await importNdjson(this.store.db, source, {
      logger: new Logger(`import ${request.id}`),
    });
    if (!result.ok) {
      // Read and drop the rest of the body, so the client gets this answer, not a reset.
      body.resume();
      throw new ProblemException(
        problem(
          result.status === 400 ? 'validation' : 'conflict',
          `line ${result.line} ${result.message}`,
          {
            errors: [{ path: `line ${result.line}`, message: result.message }],
            imported: result.imported,
            skipped: result.skipped,
          },
        ),
      );
    }
    new Logger('import').log(
      `import: done, ${result.imported} events imported, ${result.skipped} skipped`,
    );
    return { imported: result.imported, skipped: result.skipped };
  }
}
