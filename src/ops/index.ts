export * from './seed';
export * from './projections';
