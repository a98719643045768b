/** gridtwin's public surface for embedding: start a node in-process, or talk to one with the client. */
export { startNode, type GridtwinNode, type NodeOverrides } from './gateway/node';
export { GridtwinClient, type ClientOptions } from './gateway/client';
export { loadConfig, parseConfig, type Config } from './core/config';
export { GridtwinError, ErrorCode } from './core/errors';
export { subjects, topics, DEFAULT_PREFIX } from './core/subjects';
export type * from './core/events';
export * from './core/domain';
