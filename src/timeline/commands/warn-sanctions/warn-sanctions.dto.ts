import { IncidentBodyDto } from '../incident-body.dto';
import { Party, StringList, Text } from '../validation';

/** Body of `warn-sanctions`. */
export class WarnSanctionsDto extends IncidentBodyDto {
  @Party()
  issuer!: string;

  @Party()
  target!: string;

  @Text(1, 500, true)
  condition?: string;

  @StringList(100)
  sectors?: string[];
}
