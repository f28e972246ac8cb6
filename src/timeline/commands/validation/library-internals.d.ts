// The compiled body validator reads class-transformer's metadata and reuses class-validator's
// message formatting. Both packages ship these modules without typings next to them; their own
// declaration files describe them.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
declare module 'class-validator/cjs/validation/ValidationUtils' {
  export { ValidationUtils } from 'class-validator/types/validation/ValidationUtils';
}
