import { IncidentBodyDto } from '../incident-body.dto';
import { Count, PartyList, Text } from '../validation';

/** Body of `record-prisoner-exchange-agreement`. */
export class RecordPrisonerExchangeAgreementDto extends IncidentBodyDto {
  @PartyList(2, 2)
  parties!: string[];

  @Count(false, 1)
  totalPerSide!: number;

  @Text(1, 200, true)
  venue?: string;
}
