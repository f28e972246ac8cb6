export * from './kyiv-time';
