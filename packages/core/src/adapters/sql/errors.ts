/**
 * One error shape for every adapter: a PostgreSQL error becomes `SqlError` with `.code` set to the
 * SQLSTATE (e.g. '23505'), whichever driver raised it; a database that cannot be reached or cannot
 * serve now (network failure, dropped connection, connection-class SQLSTATE) becomes
 * StrataError('unavailable'). Anything else passes through untouched.
 */
import { StrataError } from '../../errors';

const SQLSTATE = /^[0-9A-Z]{5}$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
/**
 * SQLSTATEs that mean "the database cannot serve now", not "this statement is wrong":
 * connection exceptions (08), insufficient resources (53: too many connections, disk, memory),
 * admin/crash shutdown and cannot-connect-now (57P01–57P03).
 */
const UNAVAILABLE_STATE = /^(08|53|57P0[123])/;
/** node-postgres reports a dropped or unobtainable connection without a SQLSTATE. */
const DROPPED = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/** A PostgreSQL error; `code` is its SQLSTATE. Messages may contain data: do not show them to clients. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  readonly code: string;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly schema: string | undefined;
  constructor(message: string, fields: { code: string; detail?: string; constraint?: string; table?: string; column?: string; schema?: string }, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = fields.code;
    this.detail = fields.detail;
    this.constraint = fields.constraint;
    this.table = fields.table;
    this.column = fields.column;
    this.schema = fields.schema;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Normalises a driver error into SqlError / StrataError('unavailable'); returns others unchanged. */
export function toSqlError(e: unknown): unknown {
  if (e instanceof SqlError || e instanceof StrataError || typeof e !== 'object' || e === null) return e;
  const o = e as Record<string, unknown>;
  const message = typeof o.message === 'string' ? o.message : String(e);
  const code = o.code;
  if (typeof code === 'string' && SQLSTATE.test(code)) {
    // 55000 is a generic state; with this message it is a database closed to connections.
    if (UNAVAILABLE_STATE.test(code) || (code === '55000' && /accepting connections/.test(message))) {
      return new StrataError('unavailable', 'The database is unavailable.', { cause: e });
    }
    return new SqlError(message, {
      code,
      detail: str(o.detail),
      constraint: str(o.constraint),
      table: str(o.table),
      column: str(o.column),
      schema: str(o.schema),
    }, e);
  }
  // Neon's HTTP driver reports transport failures as NeonDbError without a SQLSTATE.
  const transport =
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    DROPPED.test(message) ||
    (o.name === 'NeonDbError' && /^(Error connecting to database|Server error \(HTTP status)/.test(message));
  if (transport) return new StrataError('unavailable', 'The database is unreachable.', { cause: e });
  return e;
}

/** Runs `fn`, rethrowing its failure in the normalised shape. */
export async function normalised<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toSqlError(e);
  }
}
