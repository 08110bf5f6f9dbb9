/**
 * The DLM1 manifest as a JSON Schema (draft 2020-12), generated from the zod schema that
 * validates it (`Manifest` in manifest.ts), for tools outside TypeScript. `npm run docs` writes
 * it to schemas/dlm1-manifest.schema.json; a test fails when the committed file differs.
 * It describes what a client sends (zod's input side: hex in either case).
 */
import { z } from 'zod';
import { Manifest } from './manifest';

export const MANIFEST_SCHEMA_ID = 'https://strata.invalid/schemas/dlm1-manifest.schema.json';

/** OpenAPI's `example` becomes JSON Schema's `examples` (strict validators refuse unknown keywords). */
function examplesOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(examplesOf);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'example') out.examples = [v];
    else out[k] = examplesOf(v);
  }
  return out;
}

export function manifestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Manifest, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = examplesOf(generated) as Record<string, unknown>;
  return {
    $schema,
    $id: MANIFEST_SCHEMA_ID,
    title: 'DLM1 dataset version manifest',
    ...rest,
  };
}

/** The file's text (stable: two-space JSON and a final newline). */
export const manifestJsonSchemaText = (): string => `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
