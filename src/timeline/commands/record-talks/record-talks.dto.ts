import { IncidentBodyDto } from '../incident-body.dto';
import { PartyList, Text } from '../validation';

/** Body of `record-talks`. */
export class RecordTalksDto extends IncidentBodyDto {
  @PartyList(2, 50)
  parties!: string[];

  @Text(1, 200)
  venue!: string;

  @Text(1, 2000)
  outcome!: string;
}
