import {
  Controller,
  Get,
  Headers,
  Inject,
  Logger,
  Query,
  Req,
  Res,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags, ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config';
import { STORE, type Store } from '../../database';
import {
  APPENDED_CHANNEL,
  checkpointAt,
  HeldBackDelay,
  hasEventsAfter,
  isUnavailableError,
  LOG_START,
  onAppendedLocally,
  readLog,
  type LogCheckpoint,
} from '../../event-store';
import { Access } from '../auth/access.decorator';
import { toEnvelope } from '../envelope';
import { validationProblem } from '../problem/problem';
import { QueryReader } from '../query';
import { RawWriter } from '../raw-writer';

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const PAGE = 500;
/** The slow poll, in case a notification is lost. */
const POLL_MS = 2000;
/** Looking again while committed events wait behind a transaction in flight: 50 ms, doubling to 250. */
const HELD_BACK_FIRST_MS = 50;
const HELD_BACK_MAX_MS = 250;

/** One client of GET /v1/events/live: history from its checkpoint, then live. */
class LiveSession {
  private stopping = false;
  private woken = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly writer: RawWriter,
    private checkpoint: LogCheckpoint,
    private readonly types: readonly string[],
    private readonly logger: Logger,
  ) {
    writer.onClose(() => this.stop());
  }

  /** Asks the loop to look at the log now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops the loop; it ends the response. */
  stop(): void {
    this.stopping = true;
    this.wake();
  }

  private get done(): boolean {
    return this.stopping || this.writer.closed;
  }

  private async sleep(ms: number): Promise<void> {
    if (this.woken || this.done) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    this.woken = false;
  }

  async run(): Promise<void> {
    let failures = 0;
    const heldBack = new HeldBackDelay(HELD_BACK_FIRST_MS, HELD_BACK_MAX_MS);
    while (!this.done) {
      try {
        const events = await readLog(this.store.db, this.checkpoint, {
          limit: PAGE,
          types: this.types,
        });
        failures = 0;
        for (const event of events) {
          const message = `id: ${event.position}\nevent: ${event.type}\ndata: ${JSON.stringify(toEnvelope(event))}\n\n`;
          if (!(await this.writer.write(message))) return;
          this.checkpoint = { transactionId: event.transactionId, position: event.position };
        }
        if (events.length === PAGE) continue;
        if (events.length > 0) heldBack.reset();
        // Backing off: a long transaction elsewhere may hold the log back for a while.
        if (await hasEventsAfter(this.store.db, this.checkpoint, this.types)) {
          await this.sleep(heldBack.next());
        } else {
          heldBack.reset();
          await this.sleep(POLL_MS);
        }
      } catch (error) {
        if (!isUnavailableError(error)) {
          this.logger.error(
            `live stream stopped at position ${this.checkpoint.position}: ${
              error instanceof Error ? error.message : String(error)
            }`,
          );
          return;
        }
        failures++;
        await this.sleep(Math.min(200 * 2 ** failures, 5000));
      }
    }
  }
}

/**
 * GET /v1/events/live: the global log as Server-Sent Events, history then live. Its own
 * controller, registered before LogController, so `events/live` is never taken for an event id.
 */
@ApiTags('log')
@Controller('v1/events')
export class LiveController implements BeforeApplicationShutdown {
  private readonly logger = new Logger('live');
  private readonly sessions = new Map<LiveSession, Promise<void>>();
  private subscription: Promise<() => Promise<void>> | undefined;
  private shuttingDown = false;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  @Access('reader')
  @ApiOperation({
    summary: 'The global log as Server-Sent Events: history after `after`, then live',
    description:
      'Each message is `id: <position>`, `event: <type>`, `data: <envelope>`. `Last-Event-ID` resumes and wins over `after`. ' +
      'A comment line is sent every 15 s while idle. A client that leaves its socket blocked for 30 s is dropped; it reconnects with Last-Event-ID.',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'the position of the last event received',
  })
  @ApiQuery({ name: 'type', required: false, description: 'event types, comma-separated' })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'the id of the last message received',
  })
  @ApiOkResponse({ description: 'text/event-stream', content: { 'text/event-stream': {} } })
  async live(
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const reader = new QueryReader(query, ['after', 'type']);
    let after = reader.integer('after', 0, 0, Number.MAX_SAFE_INTEGER);
    const types = reader.list('type', TYPE_NAME) ?? [];
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      if (!/^\d{1,16}$/.test(lastEventId.trim()))
        reader.fail('Last-Event-ID', 'must be the position of an event');
      else after = Number(lastEventId.trim());
    }
    reader.done();
    const from = after === 0 ? LOG_START : await checkpointAt(this.store.db, after);
    if (!from) {
      throw validationProblem([
        {
          path: lastEventId ? 'Last-Event-ID' : 'after',
          message: `no event has position ${after}`,
        },
      ]);
    }
    await this.listenForAppends();

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      // The stream ends only when the client or the server goes; then so does the connection
      // (a keep-alive one would hold the server's close up until it timed out).
      connection: 'close',
      'x-request-id': request.id,
    });
    const writer = new RawWriter(raw, this.config.liveStallMs);
    // Tells EventSource how long to wait before reconnecting, and flushes the headers.
    void writer.write('retry: 2000\n\n');
    const heartbeat = setInterval(() => {
      if (!writer.blocked) void writer.write(': keep-alive\n\n');
    }, this.config.liveHeartbeatMs);
    const session = new LiveSession(this.store, writer, from, types, this.logger);
    const running = session.run().finally(() => {
      clearInterval(heartbeat);
      this.sessions.delete(session);
      writer.end();
    });
    this.sessions.set(session, running);
    if (this.shuttingDown) session.stop();
  }

  /** Ends every live stream, so the server can close and the process exit promptly. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const session of this.sessions.keys()) session.stop();
    await Promise.all(this.sessions.values());
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) await (await subscription.catch(() => undefined))?.();
  }

  /** One subscription per process, shared by every session: appends here and NOTIFY from others. */
  private listenForAppends(): Promise<() => Promise<void>> {
    this.subscription ??= (async () => {
      const wake = (): void => {
        for (const session of this.sessions.keys()) session.wake();
      };
      const stopLocal = onAppendedLocally(this.store.db, wake);
      try {
        const stopNotify = await this.store.listen(APPENDED_CHANNEL, wake);
        return async () => {
          stopLocal();
          await stopNotify();
        };
      } catch (error) {
        stopLocal();
        this.subscription = undefined;
        throw error;
      }
    })();
    return this.subscription;
  }
}
