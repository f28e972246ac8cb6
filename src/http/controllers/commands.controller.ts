import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  canonicalJson,
  COMMAND_NAMES,
  createCommand,
  ExecuteBatchCommand,
  isCommandName,
  isJsonObject,
  prefixErrors,
  validateCommand,
  type CommandContext,
  type CommandResult,
  type FieldError,
  type TimelineCommand,
} from '../../timeline';
import { Access } from '../auth/access.decorator';
import { IdempotencyService } from '../idempotency.service';
import { problem, ProblemException, validationProblem } from '../problem/problem';
import { toProblem } from '../problem/to-problem';

const MAX_BATCH = 1000;

function contextOf(request: FastifyRequest): CommandContext {
  const header = request.headers['x-correlation-id'];
  const correlationId =
    typeof header === 'string' && /^[\x21-\x7e]{1,200}$/.test(header) ? header : request.id;
  return { actor: request.apiKey?.name ?? 'unknown', requestId: request.id, correlationId };
}

function responseOf(result: CommandResult): Omit<CommandResult, 'status'> {
  const { status: _status, ...body } = result;
  return body;
}

/** Validates a batch body; returns its commands or every failing field. */
function parseBatch(body: unknown, context: CommandContext): TimelineCommand[] {
  if (!isJsonObject(body))
    throw validationProblem([{ path: '', message: 'must be a JSON object' }]);
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (key !== 'commands') errors.push({ path: key, message: 'is not an allowed field' });
  }
  const list = body.commands;
  if (!Array.isArray(list)) {
    errors.push({
      path: 'commands',
      message: list === undefined ? 'is required' : 'must be an array',
    });
    throw validationProblem(errors);
  }
  if (list.length < 1 || list.length > MAX_BATCH) {
    errors.push({ path: 'commands', message: `must have 1 to ${MAX_BATCH} items` });
    throw validationProblem(errors);
  }
  const commands: TimelineCommand[] = [];
  list.forEach((item: unknown, i) => {
    const path = `commands[${i}]`;
    if (!isJsonObject(item)) {
      errors.push({ path, message: 'must be an object with command and body' });
      return;
    }
    for (const key of Object.keys(item)) {
      if (key !== 'command' && key !== 'body')
        errors.push({ path: `${path}.${key}`, message: 'is not an allowed field' });
    }
    const name = item.command;
    if (typeof name !== 'string' || !isCommandName(name)) {
      errors.push({
        path: `${path}.command`,
        message: `must be one of ${COMMAND_NAMES.join(', ')}`,
      });
      return;
    }
    const validation = validateCommand(name, item.body);
    if (!validation.ok) {
      errors.push(...prefixErrors(`${path}.body`, validation.errors));
      return;
    }
    commands.push(createCommand(validation.value, context));
  });
  if (errors.length > 0) throw validationProblem(errors);
  return commands;
}

/** The write side of the contract: POST /v1/commands/{command} and POST /v1/batch. */
@Controller('v1')
export class CommandsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotency: IdempotencyService,
  ) {}

  // Documented per command in the OpenAPI document (see openapi.ts), not as one generic path.
  @ApiExcludeEndpoint()
  @Post('commands/:command')
  @Access('writer')
  @HttpCode(201)
  async command(
    @Param('command') name: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    if (!isCommandName(name)) {
      throw new ProblemException(
        problem(
          'not-found',
          `There is no command "${name}"; commands are ${COMMAND_NAMES.join(', ')}.`,
        ),
      );
    }
    return this.answer(request, reply, `commands/${name}`, body, async () => {
      const validation = validateCommand(name, body);
      if (!validation.ok) throw validationProblem(validation.errors);
      const result = await this.commandBus.execute<TimelineCommand, CommandResult>(
        createCommand(validation.value, contextOf(request)),
      );
      return { status: result.status, body: responseOf(result) };
    });
  }

  @ApiExcludeEndpoint()
  @Post('batch')
  @Access('writer')
  @HttpCode(201)
  async batch(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answer(request, reply, 'batch', body, async () => {
      const commands = parseBatch(body, contextOf(request));
      const results = await this.commandBus.execute<ExecuteBatchCommand, CommandResult[]>(
        new ExecuteBatchCommand(commands),
      );
      const position = Math.max(...results.map((r) => r.position));
      const status = results.every((r) => r.status === 200) ? 200 : 201;
      return { status, body: { results: results.map(responseOf), position } };
    });
  }

  /** Runs the request, under its Idempotency-Key when it has one. */
  private async answer(
    request: FastifyRequest,
    reply: FastifyReply,
    route: string,
    body: unknown,
    run: () => Promise<{ status: number; body: unknown }>,
  ): Promise<unknown> {
    const header = request.headers['idempotency-key'];
    if (header === undefined) {
      const answer = await run();
      void reply.status(answer.status);
      return answer.body;
    }
    if (typeof header !== 'string' || header.length < 1 || header.length > 200) {
      throw validationProblem([
        { path: 'Idempotency-Key', message: 'must be a header of 1 to 200 characters' },
      ]);
    }
    const scope = { keyName: request.apiKey?.name ?? '', route, key: header };
    const start = await this.idempotency.start(
      scope,
      IdempotencyService.hashBody(canonicalJson(body)),
    );
    if (start.kind === 'conflict') {
      throw new ProblemException(
        problem(
          'conflict',
          `Idempotency-Key "${header}" was used with a different body on this route.`,
        ),
      );
    }
    if (start.kind === 'in-progress') {
      throw new ProblemException(
        problem('conflict', `A request with Idempotency-Key "${header}" is still being answered.`),
        { 'retry-after': '1' },
      );
    }
    if (start.kind === 'replay') {
      void reply.status(start.status).header('idempotent-replayed', 'true');
      if (start.status >= 400)
        void reply.header('content-type', 'application/problem+json; charset=utf-8');
      return start.body;
    }
    try {
      const answer = await run();
      await this.idempotency.complete(scope, answer.status, answer.body);
      void reply.status(answer.status);
      return answer.body;
    } catch (error) {
      const { problem: answer } = toProblem(error);
      // A client error is an answer worth keeping; a failure of ours or a limit is not.
      if (answer.status < 500 && answer.status !== 429)
        await this.idempotency.complete(scope, answer.status, answer);
      else await this.idempotency.release(scope).catch(() => undefined);
      throw error;
    }
  }
}
