import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { DEMO_COMMANDS, DEMO_IDS } from '../../db/seeds';
import {
  COMMAND_DTOS,
  COMMAND_NAMES,
  INCIDENT_COMMAND_EVENTS,
  isIncidentCommandName,
} from '../timeline';

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', example: '/problems/validation' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string', example: 'released[0].count' },
          message: { type: 'string' },
        },
      },
    },
    currentVersion: {
      type: 'integer',
      description: 'on a 409 for expectedVersion: the stream version now',
    },
  },
};

const COMMAND_RESULT_SCHEMA = {
  type: 'object',
  properties: {
    incidentId: { type: 'string', format: 'uuid' },
    streamId: { type: 'string', example: 'incident-…' },
    streamVersion: { type: 'integer' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          eventId: { type: 'string', format: 'uuid' },
          type: { type: 'string' },
          streamVersion: { type: 'integer' },
          position: { type: 'integer' },
        },
      },
    },
    position: { type: 'integer', description: 'pass as minPosition to read your own write' },
  },
};

function problemResponse(description: string) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

const COMMON_RESPONSES = {
  '400': problemResponse(
    'malformed JSON, wrong types, missing or unknown fields, unknown party or region',
  ),
  '401': problemResponse('no or wrong key'),
  '403': problemResponse('the key lacks the writer role'),
  '409': problemResponse(
    'expectedVersion mismatch (with currentVersion), eventId or Idempotency-Key reused with another body, incidentId taken, incident retracted',
  ),
  '413': problemResponse('body over 1 MiB (8 MiB for /v1/batch)'),
  '415': problemResponse('not application/json (UTF-8)'),
  '429': problemResponse('rate limit; see Retry-After'),
  '503': problemResponse('store unreachable; nothing was written; see Retry-After'),
};

const WRITE_HEADERS = [
  {
    name: 'Idempotency-Key',
    in: 'header' as const,
    required: false,
    schema: { type: 'string', maxLength: 200 },
    description:
      'Kept at least 24 h per API key and route: the same key with the same JSON body returns the first answer again (same status and body) with Idempotent-Replayed: true; with another body, 409.',
  },
  {
    name: 'X-Correlation-Id',
    in: 'header' as const,
    required: false,
    schema: { type: 'string', maxLength: 200 },
    description: "Becomes the events' metadata.correlationId (default: the request id).",
  },
];

// The demo report has no imposition, correction or retraction: these examples act on its incidents.
const EXTRA_EXAMPLES: Partial<Record<(typeof COMMAND_NAMES)[number], Record<string, unknown>>> = {
  'impose-sanctions': {
    occurredAt: '2025-05-20',
    location: { country: 'BE', place: 'Brussels' },
    summary: 'The EU adopted a further package of sanctions against Russia.',
    sources: [{ name: 'Example source' }],
    issuer: 'EU',
    target: 'RU',
    package: '17th package',
    sectors: ['shipping'],
  },
  'correct-incident': {
    incidentId: DEMO_IDS.kyivStrike,
    expectedVersion: 1,
    changes: {
      weapons: [
        { kind: 'drone', intercepted: 250 },
        { kind: 'ballistic_missile', intercepted: 6 },
      ],
    },
    reason: 'The air force revised the number of drones downed.',
  },
  'retract-incident': {
    incidentId: DEMO_IDS.russianClaim,
    reason: 'The claim could not be confirmed.',
  },
};

function commandOperation(name: (typeof COMMAND_NAMES)[number]): Operation {
  const demo = DEMO_COMMANDS.find((c) => c.command === name);
  const example = demo ?? (EXTRA_EXAMPLES[name] ? { body: EXTRA_EXAMPLES[name] } : undefined);
  const event = isIncidentCommandName(name)
    ? INCIDENT_COMMAND_EVENTS[name]
    : name === 'correct-incident'
      ? 'IncidentCorrected'
      : 'IncidentRetracted';
  const extra =
    name === 'correct-incident'
      ? ' `changes` is a JSON merge patch (RFC 7386) of the incident’s own command body: objects merge field by field, arrays replace, and null removes an optional field (an extension: the contract is silent on removal).'
      : isIncidentCommandName(name)
        ? ' When `incidentId` is given without `eventId`, the event id is derived from the incident id (an extension), so a plain retry of the same body is an idempotent replay.'
        : '';
  return {
    tags: ['commands'],
    summary: `Appends ${event}`,
    description: `Role writer. Appends to the stream incident-{incidentId} in one transaction.${extra}`,
    operationId: name,
    parameters: WRITE_HEADERS,
    security: [{ bearer: [] }],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { $ref: `#/components/schemas/${COMMAND_DTOS[name].name}` },
          ...(example
            ? {
                examples: {
                  demo: {
                    summary: demo ? 'from the demo data' : 'on the demo data',
                    value: example.body,
                  },
                },
              }
            : {}),
        },
      },
    },
    responses: {
      '201': {
        description: 'appended',
        content: { 'application/json': { schema: COMMAND_RESULT_SCHEMA } },
      },
      '200': { description: 'an idempotent replay: the same body as the first answer' },
      ...COMMON_RESPONSES,
      '404': problemResponse('correct/retract: the incident does not exist'),
      '422': problemResponse('agreementId does not name a live PrisonerExchangeAgreed incident'),
    },
  };
}

function batchOperation(): Operation {
  return {
    tags: ['commands'],
    summary: 'Runs 1..1000 commands in one transaction, all or nothing',
    description:
      'Role writer. Body ≤ 8 MiB. Errors name commands[i].body.<path>; an unknown command is a 400 at commands[i].command; a state failure answers that command’s status naming commands[i].',
    operationId: 'batch',
    parameters: WRITE_HEADERS,
    security: [{ bearer: [] }],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['commands'],
            properties: {
              commands: {
                type: 'array',
                minItems: 1,
                maxItems: 1000,
                items: {
                  type: 'object',
                  required: ['command', 'body'],
                  properties: {
                    command: { type: 'string', enum: [...COMMAND_NAMES] },
                    body: { type: 'object' },
                  },
                },
              },
            },
          },
          examples: { demo: { value: { commands: DEMO_COMMANDS.slice(0, 2) } } },
        },
      },
    },
    responses: {
      '201': {
        description: 'every command appended',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                results: { type: 'array', items: COMMAND_RESULT_SCHEMA },
                position: { type: 'integer' },
              },
            },
          },
        },
      },
      ...COMMON_RESPONSES,
      '404': problemResponse('a correct/retract names an unknown incident (names commands[i])'),
      '422': problemResponse('an unresolved agreementId (names commands[i])'),
    },
  };
}

/** Builds the OpenAPI document: the DTOs' schemas, one path per command, every extension noted. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Timeline service')
    .setDescription(
      'Event-sourced record of a war’s reported incidents. Implements the v1 contract; where the contract is silent, this document says what the service does (marked "extension").',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: Object.values(COMMAND_DTOS),
  });
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, Problem: PROBLEM_SCHEMA };
  for (const name of COMMAND_NAMES)
    document.paths[`/v1/commands/${name}`] = { post: commandOperation(name) };
  document.paths['/v1/batch'] = { post: batchOperation() };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (
        typeof operation === 'object' &&
        operation !== null &&
        'responses' in operation &&
        !('security' in operation)
      ) {
        (operation as Operation).security = [{ bearer: [] }];
      }
    }
  }
  return document;
}

/** Serves the document at /docs/openapi.json and its UI at /docs. */
export function setupOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
}
