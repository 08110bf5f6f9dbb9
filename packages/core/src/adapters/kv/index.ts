/** Kv adapters: the in-isolate memory tier and Upstash over REST. */
export { createMemoryKv } from './memory';
export type { MemoryKvOptions } from './memory';
export { createUpstashKv } from './upstash';
export type { UpstashKvOptions } from './upstash';
export { KvCommandError } from './shared';
