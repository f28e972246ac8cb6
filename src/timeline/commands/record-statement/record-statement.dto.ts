import { IncidentBodyDto } from '../incident-body.dto';
import { Party, StringList, Text } from '../validation';

/** Body of `record-statement`. */
export class RecordStatementDto extends IncidentBodyDto {
  @Text(1, 200)
  speaker!: string;

  @Text(1, 200, true)
  role?: string;

  @Party(true)
  party?: string;

  @Text(1, 5000)
  text!: string;

  @StringList(100)
  topics?: string[];
}
