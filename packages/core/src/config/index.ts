/**
 * parseConfig(raw) → Config. Fails fast with one message naming every bad variable; values
 * are never echoed (they may be secrets).
 */
import { RawConfig, type Config } from './schema';

export { Secret } from './secret';
export * from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** Validates the raw environment; empty strings count as unset. */
export function parseConfig(raw: Readonly<Record<string, unknown>>): Config {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(RawConfig.shape)) {
    const v = raw[key];
    if (typeof v === 'string' && v.trim() !== '') input[key] = v.trim();
    else if (v !== undefined && v !== null && typeof v !== 'string') input[key] = String(v);
  }
  const parsed = RawConfig.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    variable: String(i.path[0] ?? '(config)'),
    // zod messages never contain the input value for these checks; keep it that way
    message: i.message,
  }));
  throw new ConfigError(problems);
}

/** A printable summary with every secret redacted, for start-up logs. */
export function describeConfig(c: Config): Record<string, unknown> {
  return JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
}
