import { regionByCode, resolveRegion } from '../gazetteer';
import type { IncidentBody } from '../events';
import { parseOccurred, parseOccurredUntil } from '../time';
import { CorrectIncidentDto } from './correct-incident/correct-incident.dto';
import { type CommandName, type IncidentCommandName, isIncidentCommandName } from './command-names';
import type { IncidentBodyDto } from './incident-body.dto';
import { ImposeSanctionsDto } from './impose-sanctions/impose-sanctions.dto';
import { RecordPrisonerExchangeAgreementDto } from './record-prisoner-exchange-agreement/record-prisoner-exchange-agreement.dto';
import { RecordPrisonerExchangeDto } from './record-prisoner-exchange/record-prisoner-exchange.dto';
import { RecordStatementDto } from './record-statement/record-statement.dto';
import { RecordTalksDto } from './record-talks/record-talks.dto';
import { ReportCasualtiesDto } from './report-casualties/report-casualties.dto';
import { ReportStrikeDto } from './report-strike/report-strike.dto';
import { RetractIncidentDto } from './retract-incident/retract-incident.dto';
import {
  validateBody,
  validateBodyReflective,
  type BodyValidation,
  type FieldError,
} from './validation';
import { WarnSanctionsDto } from './warn-sanctions/warn-sanctions.dto';

/** The class-validator class of each command's body. */
export const COMMAND_DTOS: Record<CommandName, new () => object> = {
  'record-prisoner-exchange-agreement': RecordPrisonerExchangeAgreementDto,
  'record-prisoner-exchange': RecordPrisonerExchangeDto,
  'report-strike': ReportStrikeDto,
  'report-casualties': ReportCasualtiesDto,
  'warn-sanctions': WarnSanctionsDto,
  'impose-sanctions': ImposeSanctionsDto,
  'record-talks': RecordTalksDto,
  'record-statement': RecordStatementDto,
  'correct-incident': CorrectIncidentDto,
  'retract-incident': RetractIncidentDto,
};

/** A validated body of a command that records a new incident: its ids, and the event data. */
export interface RecordIncidentInput {
  kind: 'record';
  name: IncidentCommandName;
  incidentId?: string;
  eventId?: string;
  data: IncidentBody;
}

/** A validated `correct-incident` body. `changes` is checked against the incident later. */
export interface CorrectIncidentInput {
  kind: 'correct';
  name: 'correct-incident';
  incidentId: string;
  eventId?: string;
  expectedVersion?: number;
  changes: Record<string, unknown>;
  reason: string;
}

/** A validated `retract-incident` body. */
export interface RetractIncidentInput {
  kind: 'retract';
  name: 'retract-incident';
  incidentId: string;
  eventId?: string;
  expectedVersion?: number;
  reason: string;
}

export type CommandInput = RecordIncidentInput | CorrectIncidentInput | RetractIncidentInput;

/** Drops undefined members so that the stored JSON equals what a later read gives back. */
function toPlain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function normalizeOccurred(value: string): string {
  const parsed = parseOccurred(value);
  if ('error' in parsed) return value;
  return parsed.precision === 'day' ? value : parsed.instant.toISOString();
}

type Mutable = Record<string, unknown>;

/**
 * Checks what class-validator cannot (spans, regions against the country, intercepted against
 * launched) and normalises the body in place: region names become codes, date-times become UTC.
 * `body` is a validated plain copy of the DTO, the caller's to change.
 */
export function normalizeIncidentBody(body: Mutable): {
  data: IncidentBody;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const occurredAt = body.occurredAt as string;
  const occurredUntil = body.occurredUntil as string | undefined;
  const location = body.location as Mutable;
  const country = location.country as string;
  delete body.incidentId;
  delete body.eventId;

  body.occurredAt = normalizeOccurred(occurredAt);
  if (occurredUntil !== undefined) {
    body.occurredUntil = normalizeOccurred(occurredUntil);
    const from = parseOccurred(occurredAt);
    const until = parseOccurredUntil(occurredUntil);
    if (!('error' in from) && !('error' in until) && until.instant < from.instant) {
      errors.push({ path: 'occurredUntil', message: 'must not be before occurredAt' });
    }
  }

  // UUIDs are compared and stored in lower case (incidentId and eventId are too).
  if (typeof body.agreementId === 'string') body.agreementId = body.agreementId.toLowerCase();
  // Responses give date-times in UTC.
  if (Array.isArray(body.sources)) {
    for (const source of body.sources as Mutable[]) {
      if (typeof source.publishedAt === 'string')
        source.publishedAt = normalizeOccurred(source.publishedAt);
    }
  }

  const toCode = (value: string, path: string): string => {
    const lookup = resolveRegion(value);
    if (!lookup.ok) return value;
    if (lookup.region.country !== country) {
      errors.push({
        path,
        message: `${lookup.region.code} (${lookup.region.name}) is not a region of location.country ${country}`,
      });
    }
    return lookup.region.code;
  };

  if (Array.isArray(location.regions)) {
    const codes = (location.regions as string[]).map((r, i) => toCode(r, `location.regions[${i}]`));
    location.regions = [...new Set(codes)];
  }
  for (const list of ['weapons', 'casualties'] as const) {
    const lines = body[list];
    if (!Array.isArray(lines)) continue;
    lines.forEach((line: Mutable, i: number) => {
      if (typeof line.region === 'string')
        line.region = toCode(line.region, `${list}[${i}].region`);
      if (
        list === 'weapons' &&
        typeof line.launched === 'number' &&
        typeof line.intercepted === 'number' &&
        line.intercepted > line.launched
      ) {
        errors.push({
          path: `weapons[${i}].intercepted`,
          message: 'must not be more than launched',
        });
      }
    });
  }
  return { data: body as unknown as IncidentBody, errors };
}

/** The command input of a body whose shape passed; `shape.value` is a plain copy. */
function commandInputOf(
  name: CommandName,
  shape: BodyValidation<object>,
): BodyValidation<CommandInput> {
  if (!shape.ok) return shape;
  if (name === 'correct-incident') {
    const body = shape.value as CorrectIncidentDto;
    return { ok: true, value: { kind: 'correct', name, ...body } };
  }
  if (name === 'retract-incident') {
    const body = shape.value as RetractIncidentDto;
    return { ok: true, value: { kind: 'retract', name, ...body } };
  }
  if (!isIncidentCommandName(name)) throw new Error(`unknown command ${String(name)}`);
  const body = shape.value as Mutable;
  const { incidentId, eventId } = shape.value as IncidentBodyDto;
  const { data, errors } = normalizeIncidentBody(body);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      kind: 'record',
      name,
      ...(incidentId ? { incidentId: incidentId.toLowerCase() } : {}),
      ...(eventId ? { eventId: eventId.toLowerCase() } : {}),
      data,
    },
  };
}

/**
 * Validates a command's parsed JSON body: shape (class-validator's rules, compiled), then the
 * rules that span fields, then normalisation. Pure: touches no store.
 */
export function validateCommand(name: CommandName, plain: unknown): BodyValidation<CommandInput> {
  return commandInputOf(name, validateBody(COMMAND_DTOS[name], plain));
}

/**
 * validateCommand on the reference path: class-transformer and class-validator's own executor,
 * then a JSON copy of the instance. Kept to prove the compiled path gives the same outcome.
 */
export function validateCommandReflective(
  name: CommandName,
  plain: unknown,
): BodyValidation<CommandInput> {
  const shape = validateBodyReflective(COMMAND_DTOS[name], plain);
  return commandInputOf(name, shape.ok ? { ok: true, value: toPlain(shape.value) } : shape);
}

/** The English name of a stored region code (for read models and messages). */
export function regionName(code: string): string | undefined {
  return regionByCode(code)?.name;
}
