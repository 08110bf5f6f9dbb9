/** The field shapes every settings schema shares (config/schema.ts and the domains' own settings). */
import { z } from 'zod';
import { Secret } from './secret';

/** `true|false|1|0`. */
export const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** An integer in [min, max], from its decimal text. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const url = z.string().url();
/** A secret of at least `min` characters, never printed. */
export const secret = (min: number) => z.string().min(min, `must be at least ${min} characters`).transform((v) => new Secret(v));

/** Parses a JSON-valued variable, reporting JSON syntax errors as a zod issue. */
export function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
