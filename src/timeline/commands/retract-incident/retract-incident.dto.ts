import { NonNegativeInteger, Text, Uuid } from '../validation';

/** Body of `retract-incident`. */
export class RetractIncidentDto {
  @Uuid()
  incidentId!: string;

  @Uuid(true)
  eventId?: string;

  @NonNegativeInteger(true)
  expectedVersion?: number;

  @Text(1, 1000)
  reason!: string;
}
