import { CasualtyLineDto, IncidentBodyDto } from '../incident-body.dto';
import { ObjectList, Text } from '../validation';

/** Body of `report-casualties`. */
export class ReportCasualtiesDto extends IncidentBodyDto {
  @ObjectList(1, 50, () => CasualtyLineDto)
  casualties!: CasualtyLineDto[];

  @Text(1, 500, true)
  cause?: string;
}
