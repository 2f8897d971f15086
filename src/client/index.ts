// The tml SDK: a typed client for the /v1 API of `tml serve`, one method per operation, each named
// after the operationId of /v1/openapi.json.
export { TmlClient, type ClientOptions } from './client.js';
export { TmlApiError, TmlConnectionError } from './errors.js';
export type * from './types.js';
export type * from './solution-types.js';
export type * from './aims-types.js';
export { followEvents, followSolution, tailTopic, type LiveOptions, type ServerSentEvent } from './live.js';
