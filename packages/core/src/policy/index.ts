/** D28 policies: schema, pure evaluator, fact gathering, CRUD/evaluation verbs and the listings preview. */
export * from './schema';
export * from './facts';
export * from './rules';
export * from './evaluate';
export * from './gather';
export * from './repo';
export * from './service';
export * from './preview';
