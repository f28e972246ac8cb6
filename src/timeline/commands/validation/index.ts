export * from './decorators';
export * from './field-error';
export * from './validate-body';
export * from './place-decorators';
