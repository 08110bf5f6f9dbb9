/**
 * fast-check arbitraries built from JSON Schema (draft 2020-12) documents: enough of the language
 * for the OpenLineage specification's schemas — `$ref` (within and across documents), `allOf`
 * (merged), `anyOf` / `oneOf` (one branch), `properties` / `required` / `additionalProperties`,
 * `dependentRequired`, `items`, `enum`, `minimum`, and the formats `date-time`, `uri` and `uuid`.
 * What it generates is meant to be valid under the schema; the tests confirm that with a real
 * validator (ajv) rather than trusting this file.
 *
 * `identity` names the properties whose strings must be non-empty (Strata's deliberate rule for
 * names it keys rows by; the specification leaves them open): they get at least one character.
 * Every string is drawn from printable characters: NUL and lone surrogates cannot be stored in
 * jsonb, and control characters are refused in names.
 */
import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Schema = boolean | { [k: string]: unknown };

export interface SchemaRegistry {
  /** The document with this `$id` (no fragment). */
  readonly docs: ReadonlyMap<string, Schema>;
}

interface Located {
  readonly schema: Schema;
  /** `$id` of the document the schema is in: the base its relative `$ref`s resolve against. */
  readonly base: string;
}

/** A flattened object/array/scalar schema: allOf merged, refs resolved one level. */
interface Flat {
  types: Set<string>;
  properties: Map<string, Located[]>;
  required: Set<string>;
  additional: Located | null;
  dependentRequired: Record<string, string[]>;
  items: Located | null;
  enum: unknown[] | null;
  format: string | null;
  minimum: number | null;
  branches: Located[][];
}

const CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@ ', 'é', 'ß', '日', '本', 'Ω', '🙂'];
const printable = fc.constantFrom(...CHARS);
const KEY_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789_'];

/** Printable text; `minLength` 1 for identities. */
export const text = (minLength = 0, maxLength = 12) => fc.string({ unit: printable, minLength, maxLength });
/** A JSON object key that is not one the schema declares. */
export const freeKey = fc.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 1, maxLength: 8 }).map((s) => `x_${s}`);
const uri = fc
  .tuple(fc.constantFrom('https://example.test/', 'https://openlineage.io/spec/', 'http://producer.example/p/'), fc.string({ unit: fc.constantFrom(...KEY_CHARS), maxLength: 10 }))
  .map(([a, b]) => a + b);
const dateTime = fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
/** Any small JSON value of printable strings. */
export const freeJson: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    text(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(freeKey, tie('v'), { maxKeys: 3 }),
  ),
})).v;

function splitRef(ref: string, base: string): { doc: string; pointer: string } {
  const [doc, pointer = ''] = ref.split('#');
  return { doc: doc === '' || doc === undefined ? base : doc, pointer };
}

function resolve(reg: SchemaRegistry, ref: string, base: string): Located {
  const { doc, pointer } = splitRef(ref, base);
  const root = reg.docs.get(doc);
  if (root === undefined) throw new Error(`json-schema-arb: unknown document ${doc}`);
  let at: unknown = root;
  for (const part of pointer.split('/').filter(Boolean)) {
    at = (at as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    if (at === undefined) throw new Error(`json-schema-arb: ${ref} not found from ${base}`);
  }
  return { schema: at as Schema, base: doc };
}

function flatten(reg: SchemaRegistry, loc: Located, into: Flat = emptyFlat(), seen = 0): Flat {
  if (seen > 32) throw new Error('json-schema-arb: $ref chain too long');
  const s = loc.schema;
  if (typeof s === 'boolean') return into;
  if (typeof s.$ref === 'string') flatten(reg, resolve(reg, s.$ref, loc.base), into, seen + 1);
  for (const part of (s.allOf as Schema[] | undefined) ?? []) flatten(reg, { schema: part, base: loc.base }, into, seen + 1);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) into.branches.push(branches.map((b) => ({ schema: b, base: loc.base })));
  // the specification writes one owner name's type as "URN", which is not a JSON type: a string
  if (typeof s.type === 'string') into.types.add(s.type === 'URN' ? 'string' : s.type);
  for (const [k, v] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) {
    into.properties.set(k, [...(into.properties.get(k) ?? []), { schema: v, base: loc.base }]);
  }
  for (const k of (s.required as string[] | undefined) ?? []) into.required.add(k);
  if (s.additionalProperties !== undefined && typeof s.additionalProperties === 'object') into.additional = { schema: s.additionalProperties as Schema, base: loc.base };
  Object.assign(into.dependentRequired, (s.dependentRequired as Record<string, string[]> | undefined) ?? {});
  if (s.items !== undefined) into.items = { schema: s.items as Schema, base: loc.base };
  if (Array.isArray(s.enum)) into.enum = s.enum;
  if (typeof s.format === 'string') into.format = s.format;
  if (typeof s.minimum === 'number') into.minimum = s.minimum;
  return into;
}

function emptyFlat(): Flat {
  return { types: new Set(), properties: new Map(), required: new Set(), additional: null, dependentRequired: {}, items: null, enum: null, format: null, minimum: null, branches: [] };
}

export interface ArbOptions {
  /** Property names whose strings are non-empty (see the file comment). */
  readonly identity?: ReadonlySet<string>;
  /** Largest array length (keeps events small and inputs × outputs far under Strata's caps). */
  readonly maxItems?: number;
}

/** An arbitrary of instances of the schema at `ref` (an absolute `$id#pointer`). */
export function arbitraryOf(reg: SchemaRegistry, ref: string, options: ArbOptions = {}): fc.Arbitrary<Json> {
  const { doc } = splitRef(ref, '');
  const o = { identity: options.identity ?? new Set<string>(), maxItems: options.maxItems ?? 3 };
  return fromFlat(reg, flatten(reg, resolve(reg, ref, doc)), o, 0, null);
}

function cloneFlat(f: Flat): Flat {
  return {
    ...f,
    types: new Set(f.types),
    properties: new Map([...f.properties].map(([k, v]) => [k, [...v]])),
    required: new Set(f.required),
    dependentRequired: { ...f.dependentRequired },
    branches: [...f.branches],
  };
}

function fromLocated(reg: SchemaRegistry, locs: readonly Located[], o: Required<ArbOptions>, depth: number, propName: string | null): fc.Arbitrary<Json> {
  const flat = emptyFlat();
  for (const l of locs) flatten(reg, l, flat);
  return fromFlat(reg, flat, o, depth, propName);
}

function fromFlat(reg: SchemaRegistry, flat: Flat, o: Required<ArbOptions>, depth: number, propName: string | null): fc.Arbitrary<Json> {
  if (depth > 12) return fc.constant(null);
  if (flat.branches.length > 0) {
    // one branch of the first anyOf/oneOf, merged into the rest of the schema (and so on for the others)
    const [first, ...rest] = flat.branches;
    return fc.oneof(
      ...first!.map((branch) => {
        const merged = cloneFlat({ ...flat, branches: rest });
        flatten(reg, branch, merged);
        return fromFlat(reg, merged, o, depth + 1, propName);
      }),
    );
  }
  if (flat.enum) return fc.constantFrom(...(flat.enum as Json[]));
  const type = flat.types.size === 1 ? [...flat.types][0]! : flat.properties.size > 0 || flat.additional ? 'object' : flat.items ? 'array' : null;
  switch (type) {
    case 'string':
      if (flat.format === 'date-time') return dateTime;
      if (flat.format === 'uri') return uri;
      if (flat.format === 'uuid') return fc.uuid();
      return text(propName !== null && o.identity.has(propName) ? 1 : 0);
    case 'integer':
      return fc.integer({ min: flat.minimum ?? -1_000_000, max: 1_000_000_000 });
    case 'number':
      return fc.double({ min: flat.minimum ?? -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(flat.items ? fromLocated(reg, [flat.items], o, depth + 1, null) : freeJson, { maxLength: o.maxItems });
    case 'object':
      return objectOf(reg, flat, o, depth);
    default:
      return freeJson;
  }
}

function objectOf(reg: SchemaRegistry, flat: Flat, o: Required<ArbOptions>, depth: number): fc.Arbitrary<Json> {
  const model: Record<string, fc.Arbitrary<Json>> = {};
  // a property declared by several allOf parts must satisfy all of them: their schemas are merged
  for (const [k, locs] of flat.properties) model[k] = fromLocated(reg, locs, o, depth + 1, k);
  const declared = fc.record(model, { requiredKeys: [...flat.required].filter((k) => k in model) });
  const extra = flat.additional && flat.properties.size === 0 ? fc.dictionary(freeKey, fromLocated(reg, [flat.additional], o, depth + 1, null), { maxKeys: o.maxItems }) : fc.constant({});
  return fc.tuple(declared, extra).map(([d, e]) => {
    const out: Record<string, Json> = { ...(e as Record<string, Json>), ...(d as Record<string, Json>) };
    // dependentRequired: a key whose companions are missing is dropped with them
    for (const [k, deps] of Object.entries(flat.dependentRequired)) {
      if (k in out && deps.some((dep) => !(dep in out))) {
        delete out[k];
        for (const dep of deps) delete out[dep];
      }
    }
    return out;
  });
}
