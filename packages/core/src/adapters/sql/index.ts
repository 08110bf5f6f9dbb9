/**
 * All Sql adapter factories. Convenient for Node hosts and tools; a Workers entry should import
 * './neon-http' or './neon-pool' directly so it does not bundle PGlite or node-postgres.
 */
export { createPgliteSql, PgliteSql, DEFAULT_PGLITE_DIR, type PgliteSqlOptions } from './pglite';
export { createNeonHttpSql, type NeonHttpSqlOptions } from './neon-http';
export { createNeonPoolSql, type NeonPoolSqlOptions } from './neon-pool';
export { createPgPoolSql, createPgSql, type PgPoolSqlOptions } from './pg-pool';
export { createPoolSql, type PgPoolLike, type PgClientLike } from './pool-sql';
export { SqlError, toSqlError } from './errors';
