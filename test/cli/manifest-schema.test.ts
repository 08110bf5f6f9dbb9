/**
 * schemas/dlm1-manifest.schema.json is the zod Manifest schema as JSON Schema: the committed file
 * equals what `npm run docs` generates, and a standard validator (Ajv, draft 2020-12, strict)
 * accepts the documented example and the manifests `strata publish` builds, and refuses what the
 * server refuses at the top level.
 */
import { readFile } from 'node:fs/promises';
import { PrivateKey } from '@bsv/sdk';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { MANIFEST_EXAMPLE, parseManifest } from '@strata/core/catalog/manifest';
import { manifestJsonSchemaText } from '@strata/core/catalog/manifest-json-schema';
import { makePublication } from '../support/dlm1';

const FILE = new URL('../../schemas/dlm1-manifest.schema.json', import.meta.url);

describe('dlm1-manifest.schema.json', () => {
  it('is what npm run docs generates from the zod schema (run it after changing Manifest)', async () => {
    expect(await readFile(FILE, 'utf8')).toBe(manifestJsonSchemaText());
  });

  it('validates like the server: the example and signed manifests pass; unknown members, bad hashes and missing policy fail', async () => {
    const schema = JSON.parse(await readFile(FILE, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const signed = makePublication({ tags: ['a'] }, { signer: PrivateKey.fromRandom() }).manifest;
    for (const good of [MANIFEST_EXAMPLE, signed]) {
      expect(() => parseManifest(good)).not.toThrow();
      expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    }
    const bad = [
      { ...MANIFEST_EXAMPLE, extra: 1 },
      { ...MANIFEST_EXAMPLE, content: { ...MANIFEST_EXAMPLE.content, contentHash: 'abc' } },
      (({ policy: _p, ...m }) => m)(MANIFEST_EXAMPLE),
      { ...MANIFEST_EXAMPLE, type: 'somethingElse' },
    ];
    for (const m of bad) {
      expect(() => parseManifest(m)).toThrow();
      expect(validate(m)).toBe(false);
    }
  });
});
