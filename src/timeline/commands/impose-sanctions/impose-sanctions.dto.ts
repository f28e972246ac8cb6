import { IncidentBodyDto } from '../incident-body.dto';
import { Party, StringList, Text } from '../validation';

/** Body of `impose-sanctions`. */
export class ImposeSanctionsDto extends IncidentBodyDto {
  @Party()
  issuer!: string;

  @Party()
  target!: string;

  @Text(1, 200, true)
  package?: string;

  @StringList(100)
  sectors?: string[];
}
