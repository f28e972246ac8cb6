import { WEAPON_KINDS } from '../events';
import {
  Bool,
  Count,
  Country,
  DateTime,
  HttpUrl,
  NumberIn,
  ObjectList,
  Occurred,
  OneOf,
  Party,
  PlainObject,
  Region,
  RegionList,
  StringList,
  Text,
  Uuid,
} from './validation';

/** Where an incident happened. */
export class LocationDto {
  @Country()
  country!: string;

  @RegionList(0, 50, true)
  regions?: string[];

  @Text(1, 200, true)
  place?: string;

  @NumberIn(-90, 90, true)
  lat?: number;

  @NumberIn(-180, 180, true)
  lon?: number;
}

/** Where a report came from. */
export class SourceDto {
  @Text(1, 200)
  name!: string;

  @HttpUrl(true)
  url?: string;

  @DateTime(true)
  publishedAt?: string;
}

/** The fields of every command that records a new incident. */
export abstract class IncidentBodyDto {
  @Uuid(true)
  incidentId?: string;

  @Uuid(true)
  eventId?: string;

  @Occurred()
  occurredAt!: string;

  @Occurred(true)
  occurredUntil?: string;

  @PlainObject(false, () => LocationDto)
  location!: LocationDto;

  @Text(1, 2000)
  summary!: string;

  @ObjectList(1, 20, () => SourceDto)
  sources!: SourceDto[];

  @StringList(50)
  tags?: string[];
}

/** Prisoners released by one party. */
export class ReleasedLineDto {
  @Party()
  by!: string;

  @Count()
  count!: number;

  @StringList(100)
  categories?: string[];
}

/** One kind of weapon used in a strike. */
export class WeaponLineDto {
  @OneOf(WEAPON_KINDS)
  kind!: (typeof WEAPON_KINDS)[number];

  @Text(1, 200, true)
  model?: string;

  @Count(true)
  launched?: number;

  @Count(true)
  intercepted?: number;

  @Region(true)
  region?: string;
}

/** People killed or injured. */
export class CasualtyLineDto {
  @Region(true)
  region?: string;

  @Count(true)
  killed?: number;

  @Count(true)
  injured?: number;

  @Bool(true)
  atLeast?: boolean;
}
