/**
 * Text-format value parsers shared by every adapter, so each one returns the values the Sql port
 * promises (ports/sql.ts) whatever its driver does by default. Pure: no Node modules, so the
 * Workers bundle can carry it.
 */

/** The PostgreSQL type OIDs whose parsing differs between drivers. */
export const OID = {
  BYTEA: 17,
  INT8: 20,
  INT8_ARRAY: 1016,
  NUMERIC: 1700,
  NUMERIC_ARRAY: 1231,
  DATE: 1082,
  DATE_ARRAY: 1182,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
} as const;

export type TextParser = (text: string) => unknown;
/** node-postgres' `types.getTypeParser` shape (also used by Neon's bundled copy). */
export type GetTypeParser = (oid: number, format?: 'text' | 'binary') => TextParser;

const identity: TextParser = (text) => text;

/** Decodes bytea's hex text output (`\x0102ff`) into a plain Uint8Array (not a Buffer). */
export function byteaToBytes(text: string): Uint8Array {
  if (!text.startsWith('\\x')) throw new Error('bytea value is not in hex format (bytea_output must be hex)');
  const hex = text.slice(2);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Encodes bytes as bytea hex input text; drivers without native Uint8Array support receive this. */
export function bytesToBytea(bytes: Uint8Array): string {
  let s = '\\x';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Wraps a node-postgres style `getTypeParser` with the port's overrides: int8/numeric stay strings,
 * bytea becomes Uint8Array, `date` stays 'YYYY-MM-DD' text, and `timestamp` (no zone) is read as UTC
 * rather than the process' local zone, so every adapter agrees regardless of TZ.
 */
export function portTypes(fallback: GetTypeParser): { getTypeParser: GetTypeParser } {
  const timestamptz = fallback(OID.TIMESTAMPTZ, 'text');
  const overrides = new Map<number, TextParser>([
    [OID.INT8, identity],
    [OID.NUMERIC, identity],
    [OID.DATE, identity],
    [OID.BYTEA, byteaToBytes],
    [OID.TIMESTAMP, (t) => (/^-?infinity$/.test(t) ? timestamptz(t) : timestamptz(`${t}+00`))],
  ]);
  return {
    getTypeParser(oid, format) {
      if (format === 'binary') return fallback(oid, format);
      return overrides.get(oid) ?? fallback(oid, format);
    },
  };
}
