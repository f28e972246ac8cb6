import { NonNegativeInteger, PlainObject, Text, Uuid } from '../validation';

/** Body of `correct-incident`. */
export class CorrectIncidentDto {
  @Uuid()
  incidentId!: string;

  @Uuid(true)
  eventId?: string;

  @NonNegativeInteger(true)
  expectedVersion?: number;

  /**
   * A JSON merge patch of the incident's own command body: objects merge field by field,
   * arrays replace, null removes an optional field.
   */
  @PlainObject()
  changes!: Record<string, unknown>;

  @Text(1, 1000)
  reason!: string;
}
