/**
 * Runtime-neutral blob exports. The filesystem store is Node-only and deliberately NOT
 * re-exported here so Worker bundles never pull in node:fs — import it from './fs'.
 */
export { createS3BlobStore, S3BlobStoreOptions } from './s3';
export { verifyBlobSignature, buildSignedBlobUrl, signBlobParams } from './signing';
export type { BlobSignatureCheck, BlobSignatureParams } from './signing';
export { BlobKey, Sha256Hex, validateBlobKey, validateSha256Hex, hexToBase64 } from './key';
