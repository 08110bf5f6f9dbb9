/** @strata/client: a typed client for the Strata HTTP API. */
export { StrataClient, DEFAULT_BASE_URL, IDEMPOTENT_POSTS, NON_IDEMPOTENT_GETS, operationMeta, unwrap } from './client';
export type { StrataClientOptions, StrataApi, Body, Query, Answer, FetchLike } from './client';
export { StrataProblem, StrataHttpError, StrataNetworkError, isStrataProblem, errorFromResponse } from './problem';
export type { ProblemBody, ErrorCode, FieldIssue } from './problem';
export { identityHeaders, identityMessage, freshNonce, toPrivateKey, IDENTITY_SCHEME } from './signing';
export type { IdentityKeyInput } from './signing';
export { Transport } from './transport';
export type { TransportOptions, RetryOptions, RetryInfo, SendMeta, WireRequest, Bearer } from './transport';
export type { paths, components } from './api.generated';
export { OPERATIONS } from './api.generated';
export { operationKey } from './client';
export type { UploadSource, UploadProgress, UploadOptions } from './upload';
export { sha256HexOf } from './upload';
