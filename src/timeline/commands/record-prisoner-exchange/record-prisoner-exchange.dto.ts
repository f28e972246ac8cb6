import { IncidentBodyDto, ReleasedLineDto } from '../incident-body.dto';
import { ObjectList, Party, Uuid } from '../validation';

/** Body of `record-prisoner-exchange`. */
export class RecordPrisonerExchangeDto extends IncidentBodyDto {
  @ObjectList(1, 10, () => ReleasedLineDto)
  released!: ReleasedLineDto[];

  /** Incident id of a PrisonerExchangeAgreed incident (else 422). */
  @Uuid(true)
  agreementId?: string;

  @Party(true)
  mediator?: string;
}
