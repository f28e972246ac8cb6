import { CasualtyLineDto, IncidentBodyDto, WeaponLineDto } from '../incident-body.dto';
import { ObjectList, Party, StringList } from '../validation';

/** Body of `report-strike`. */
export class ReportStrikeDto extends IncidentBodyDto {
  @Party()
  attacker!: string;

  @ObjectList(1, 50, () => WeaponLineDto)
  weapons!: WeaponLineDto[];

  @StringList(100)
  targetsHit?: string[];

  @ObjectList(0, 50, () => CasualtyLineDto, true)
  casualties?: CasualtyLineDto[];
}
