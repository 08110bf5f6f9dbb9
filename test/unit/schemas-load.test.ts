/**
 * Every domain's schema module builds when imported. zod refuses some schemas while building them
 * (a discriminated union whose option lacks the discriminator, for one); such a module fails every
 * importer at start-up. Imported here inside a test, so the failure is a failing test with the
 * module's name — which is also how mutation testing sees a mutant that breaks a schema's
 * construction (docs/adr/0050).
 */
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../packages/core/src/', import.meta.url));
const domains = readdirSync(src, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${src}${d.name}/schema.ts`))
  .map((d) => d.name)
  .sort();

describe('schema modules', () => {
  it('are found', () => {
    expect(domains).toEqual(expect.arrayContaining(['catalog', 'delivery', 'payments', 'uploads']));
  });

  it.each(domains)('%s/schema.ts builds its schemas on import', async (domain) => {
    const mod = (await import(`@strata/core/${domain}/schema`)) as Record<string, unknown>;
    const schemas = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'safeParse' in v);
    expect(schemas.length).toBeGreaterThan(0);
  });
});
