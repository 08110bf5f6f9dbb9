/**
 * Names core schemas as components of the OpenAPI document, in place: the schema object core
 * validates with is the one the document describes, and wherever it is nested (a page's items,
 * a detail's member) the document refers to the component instead of repeating it.
 *
 * Why not `schema.openapi('Name')`: that method exists only on schemas created after
 * @hono/zod-openapi extended zod, and returns a copy. Core's schemas are created whenever core is
 * imported first (a test, a script), so the name is recorded in zod-to-openapi's metadata
 * registry for the very object instead (docs/adr/0054).
 */
import { zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';

/** Records `name` as the component name of each schema; returns the schemas unchanged. */
export function components<T extends Record<string, z.ZodType>>(schemas: T): T {
  for (const [name, schema] of Object.entries(schemas)) {
    const current = zodToOpenAPIRegistry.get(schema);
    zodToOpenAPIRegistry.add(schema, { ...current, _internal: { ...current?._internal, refId: name } });
  }
  return schemas;
}
