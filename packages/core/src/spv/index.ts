/** SPV: block headers, merkle proofs, envelopes and the header store. */
export * from './header';
export * from './merkle';
export * from './envelope';
export * from './header-store';
export * from './headers-file';
export { isWellFormedTx } from './wire';
export { sha256dDisplay, isHash32 } from './bytes';
