/** Nest injection token of the opened Store. */
export const STORE = Symbol('Store');
