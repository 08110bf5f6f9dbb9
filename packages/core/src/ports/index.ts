export * from './sql';
export * from './kv';
export * from './blob';
export * from './queue';
export * from './clock';
