/** OpenLineage: parsing, idempotent storage and graph queries (ARCHITECTURE §6). */
export * from './limits';
export * from './event-time';
export * from './schema';
export * from './canonical';
export * from './ingest';
export * from './node-id';
export * from './query';
export * from './shape';
export * from './lookup';
export * from './overlay-events';
