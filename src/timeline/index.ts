export * from './commands/command-classes';
export * from './commands/command-names';
export { CommandProcessor, derivedEventId } from './commands/command-processor';
export { ExecuteBatchCommand } from './commands/execute-batch.command';
export * from './commands/timeline.command';
export { COMMAND_DTOS, validateCommand, regionName } from './commands/validate-command';
export type { CommandInput } from './commands/validate-command';
export * from './commands/validation';
export * from './events';
export * from './incident.state';
export * from './timeline.errors';
export { TimelineModule } from './timeline.module';
export { canonicalJson } from './commands/decision';
export {
  BLOCS,
  countryProblem,
  isCountry,
  isParty,
  partyName,
  partyProblem,
  regionByCode,
  regionProblem,
  resolveRegion,
  type RegionLookup,
} from './gazetteer';
export type { Region as GazetteerRegion } from './gazetteer';
export * from './time';
