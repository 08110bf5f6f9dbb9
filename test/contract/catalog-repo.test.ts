/**
 * Catalog SQL against real databases: PGlite always; node-postgres and Neon HTTP (through the
 * local bridge) when PostgreSQL is reachable. Each suite migrates its own fresh database.
 */
import { readFile } from 'node:fs/promises';
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNeonHttpSql } from '@strata/core/adapters/sql/neon-http';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { registerAgent, getAgent, interpretPingResult, pingAgent, searchAgents } from '@strata/core/catalog/agents';
import { interpretProofResult, prepareProof, getDeclarationByTxid } from '@strata/core/catalog/proof';
import { getProducer, getProducerByDataset, registerProducer } from '@strata/core/catalog/producers';
import { interpretPublishResult, preparePublish, publishConflictFrom } from '@strata/core/catalog/publish';
import { getListing, getManifest, getParents, searchListings } from '@strata/core/catalog/repo';
import { migrateFrom } from '@strata/core/migrate/runner';
import type { Sql } from '@strata/core/ports/sql';
import { StrataError } from '@strata/core/errors';
import { makePublication } from '../support/dlm1';
import { startNeonBridge, type NeonBridge } from '../support/neon-bridge';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

const MIGRATIONS = ['0010_catalog.sql'];
const t0 = Date.UTC(2025, 5, 1);
const at = (s: number) => new Date(t0 + s * 1000);

async function migrated(sql: Sql): Promise<Sql> {
  const files = await Promise.all(MIGRATIONS.map(async (name) => ({ name, sql: await readFile(new URL(`../../migrations/${name}`, import.meta.url), 'utf8') })));
  await migrateFrom(sql, files);
  return sql;
}

async function publish(sql: Sql, pub: { rawTx: string; manifest: unknown }, now: Date) {
  const prepared = preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now });
  try {
    const results = await sql.batch(prepared.statements);
    return { prepared, outcome: interpretPublishResult(prepared, results) };
  } catch (e) {
    throw publishConflictFrom(e, prepared) ?? e;
  }
}

function catalogRepoSuite(name: string, open: () => Promise<Sql>, opts: { premigrated?: boolean } = {}) {
  describe(`catalog repo on ${name}`, () => {
    let sql: Sql;
    beforeAll(async () => {
      sql = opts.premigrated ? await open() : await migrated(await open());
    });
    afterAll(async () => {
      await sql?.close();
    });

    it('publish stores manifest, asset, pending declaration, parent edges and the producer', async () => {
      const signer = PrivateKey.fromRandom();
      const producer = signer.toPublicKey().toString();
      const p1 = makePublication({ datasetId: 'ds-parent-a' });
      const p2 = makePublication({ datasetId: 'ds-parent-b' });
      // names the producer in provenance.producer.identityKey and signs as it (docs/adr/0039)
      const child = makePublication(
        { datasetId: 'ds-child', tags: ['climate', 'hourly'], lineage: { parents: [p2.versionId, p1.versionId] }, provenance: { createdAt: '2025-02-03T04:05:06Z' } },
        { signer },
      );
      const { prepared, outcome } = await publish(sql, child, at(1));
      expect(outcome).toBe('created');
      expect(await getParents(sql, child.versionId)).toEqual([p1.versionId, p2.versionId].sort());
      expect(await getManifest(sql, child.versionId)).toEqual(child.parsed);
      expect(await getListing(sql, child.versionId)).toEqual({
        versionId: child.versionId,
        manifest: {
          name: child.manifest.name,
          description: 'Hourly observations',
          datasetId: 'ds-child',
          contentHash: child.parsed.content.contentHash,
          license: 'cc-by-4.0',
          classification: 'public',
          createdAt: '2025-02-03T04:05:06Z',
        },
        txid: child.txid,
        declaration: { status: 'pending', opretVout: 0, blockHash: null, height: null },
        parents: [p1.versionId, p2.versionId].sort(),
      });
      const decl = await getDeclarationByTxid(sql, child.txid);
      expect(decl).toMatchObject({ versionId: child.versionId, status: 'pending', opretVout: 0, rawTx: child.rawTx, proof: null });
      expect(prepared.producerId).toMatch(/^prod_[0-9a-f]{16}$/);
      expect(await getProducerByDataset(sql, 'ds-child')).toMatchObject({ producerId: prepared.producerId, identityKey: producer, name: null });
    });

    it('is idempotent on the same tx and 409 on another tx for the same version, leaving nothing behind', async () => {
      const pub = makePublication({ datasetId: 'ds-idem' });
      expect((await publish(sql, pub, at(2))).outcome).toBe('created');
      expect((await publish(sql, pub, at(3))).outcome).toBe('existing');
      const other = makePublication({}, { versionId: pub.versionId, extraOutputsBefore: 1 });
      const err = await publish(sql, { rawTx: other.rawTx, manifest: pub.manifest }, at(4)).catch((e) => e);
      expect(err).toBeInstanceOf(StrataError);
      expect([err.code, err.extra.hint]).toEqual(['conflict', 'version-already-declared']);
      expect(await getDeclarationByTxid(sql, other.txid)).toBeNull();
      const rows = await sql.query('SELECT count(*)::int AS n FROM declarations WHERE version_id = $1', [pub.versionId]);
      expect(rows[0]!.n).toBe(1);
    });

    it('a conflicting publish rolls back statements batched with it', async () => {
      const pub = makePublication({ datasetId: 'ds-rollback' });
      await publish(sql, pub, at(5));
      const other = makePublication({}, { versionId: pub.versionId, extraOutputsBefore: 2 });
      const prepared = preparePublish({ rawTx: other.rawTx, manifest: pub.manifest, now: at(6) });
      const marker = { text: `UPDATE assets SET name = 'tampered' WHERE version_id = $1`, params: [pub.versionId] };
      const err = await sql.batch([marker, ...prepared.statements]).catch((e) => e);
      expect(publishConflictFrom(err, prepared)?.code).toBe('conflict');
      expect((await getListing(sql, pub.versionId))?.manifest.name).toBe(pub.manifest.name);
    });

    it('proof: stores a verified envelope and confirms the declaration; unknown txid → not-found', async () => {
      const pub = makePublication({ datasetId: 'ds-proof' });
      await publish(sql, pub, at(7));
      const envelope = {
        rawTx: pub.rawTx,
        txid: pub.txid,
        proof: { txid: pub.txid, merkleRoot: 'aa'.repeat(32), path: [{ hash: 'bb'.repeat(32), position: 'left' }] },
        block: { blockHash: 'cc'.repeat(32), blockHeight: 100 },
      };
      const stmt = prepareProof({ txid: pub.txid.toUpperCase(), envelope, verified: { blockHash: 'cc'.repeat(32), height: 100 }, now: at(8) });
      const [rows] = await sql.batch([stmt]);
      expect(interpretProofResult(rows!)).toBe(pub.versionId);
      expect(await getDeclarationByTxid(sql, pub.txid)).toMatchObject({ status: 'confirmed', height: 100, blockHash: 'cc'.repeat(32), proof: envelope });
      const missing = prepareProof({ txid: 'dd'.repeat(32), envelope, verified: { blockHash: 'cc'.repeat(32), height: 1 }, now: at(9) });
      const [none] = await sql.batch([missing]);
      expect(() => interpretProofResult(none!)).toThrow(/No declaration/);
    });

    it('search: full text over name/description/datasetId, filters, hostile input, deterministic paging', async () => {
      const signer = PrivateKey.fromRandom();
      const pubs = [];
      for (let i = 0; i < 7; i++) {
        const pub = makePublication(
          {
            datasetId: `ocean-temps-${i % 2}`,
            name: `Ocean temperatures part ${i}`,
            description: i === 3 ? 'Salinity and plankton counts' : 'Sea surface',
            provenance: { createdAt: '2025-01-01T00:00:00Z' },
          },
          { signer },
        );
        // two versions share each timestamp, so the versionId tie-break is exercised
        await publish(sql, pub, at(100 + Math.floor(i / 2)));
        pubs.push(pub);
      }
      const all = await searchListings(sql, { q: 'ocean', limit: 200 });
      expect(all.items).toHaveLength(7);
      const expected = pubs
        .map((p, i) => ({ v: p.versionId, t: 100 + Math.floor(i / 2) }))
        .sort((a, b) => b.t - a.t || (a.v < b.v ? -1 : 1))
        .map((x) => x.v);
      expect(all.items.map((i) => i.versionId)).toEqual(expected);
      const paged = [];
      for (let offset = 0; offset < 7; offset += 3) paged.push(...(await searchListings(sql, { q: 'ocean', limit: 3, offset })).items);
      expect(paged.map((i) => i.versionId)).toEqual(expected);

      expect((await searchListings(sql, { q: 'PLANKTON' })).items.map((i) => i.versionId)).toEqual([pubs[3]!.versionId]);
      expect((await searchListings(sql, { q: 'temps-1' })).items).toHaveLength(3);
      expect((await searchListings(sql, { q: 'temper' })).items).toHaveLength(7); // prefix match
      expect((await searchListings(sql, { datasetId: 'ocean-temps-0' })).items).toHaveLength(4);
      const byProducer = await searchListings(sql, { producerId: all.items[0]!.producerId!, q: 'sea' });
      expect(byProducer.items).toHaveLength(6);
      expect(byProducer.items[0]).toMatchObject({ datasetId: expect.stringMatching(/^ocean-temps-/), tags: [], updatedAt: expect.any(String) });

      for (const q of ["'; DROP TABLE assets; --", '!!! & | :* <->', '"unterminated', 'a:*b', '\\', '()', 'ö & ü', 'x'.repeat(256)]) {
        const r = await searchListings(sql, { q });
        expect(Array.isArray(r.items)).toBe(true);
      }
      expect((await sql.query('SELECT count(*)::int AS n FROM assets'))[0]!.n).toBeGreaterThan(7);
      await expect(searchListings(sql, { limit: 500 })).rejects.toMatchObject({ code: 'validation-failed' });
      await expect(searchListings(sql, { producerId: 'nope' })).rejects.toMatchObject({ code: 'validation-failed' });
      expect((await searchListings(sql, { datasetId: 'no-such-dataset' })).items).toEqual([]);
      const meta = await searchListings(sql, { q: 'plankton' }, { includePolicyMeta: true });
      expect(meta.items[0]!.policyMeta).toEqual({ license: 'cc-by-4.0', classification: 'public' });
    });

    it('getListing is null for an unknown version and rejects a malformed id', async () => {
      expect(await getListing(sql, 'ee'.repeat(32))).toBeNull();
      await expect(getListing(sql, 'nope')).rejects.toMatchObject({ code: 'bad-request' });
    });

    it('producers: register is idempotent per identity key and keeps fields left out', async () => {
      const key = PrivateKey.fromRandom().toPublicKey().toString();
      const a = registerProducer(key, { name: 'Acme Data', website: 'https://acme.example', payoutScriptHex: '76A914' }, at(10));
      await sql.batch(a.statements);
      const b = registerProducer(key, { website: 'https://acme.example/data' }, at(11));
      const [rows] = await sql.batch(b.statements);
      expect(b.producerId).toBe(a.producerId);
      expect(rows![0]!.producer_id).toBe(a.producerId);
      expect(await getProducer(sql, a.producerId)).toMatchObject({
        identityKey: key,
        name: 'Acme Data',
        website: 'https://acme.example/data',
        payoutScriptHex: '76a914',
      });
      expect(await getProducer(sql, 'prod_0000000000000000')).toBeNull();
      expect(() => registerProducer(key, { website: 'javascript:alert(1)' }, at(12))).toThrow(StrataError);
      expect(() => registerProducer(key, { extra: 1 }, at(12))).toThrow(StrataError);
    });

    it('agents: register, search by name and capability, get, ping', async () => {
      const key = PrivateKey.fromRandom().toPublicKey().toString();
      const a = registerAgent({ name: 'Ingest_Bot 100%', capabilities: ['ingest', 'ingest', 'score'], webhookUrl: 'https://bot.example/hook' }, at(20), key);
      await sql.batch(a.statements);
      const again = registerAgent({ name: 'Ingest_Bot 100%', capabilities: ['ingest'], webhookUrl: 'https://bot.example/v2' }, at(21), key);
      expect(again.agentId).toBe(a.agentId);
      await sql.batch(again.statements);
      const anon = registerAgent({ name: 'Scorer', capabilities: ['score'], webhookUrl: 'https://scorer.example' }, at(22));
      await sql.batch(anon.statements);

      expect(await getAgent(sql, a.agentId)).toEqual({
        agentId: a.agentId,
        name: 'Ingest_Bot 100%',
        capabilities: ['ingest'],
        webhookUrl: 'https://bot.example/v2',
        identityKey: key,
        status: 'unknown',
        lastPingAt: null,
      });
      expect((await searchAgents(sql, { capability: 'score' })).items.map((x) => x.agentId)).toEqual([anon.agentId]);
      expect((await searchAgents(sql, { q: 'bot 100%' })).items.map((x) => x.agentId)).toEqual([a.agentId]);
      expect((await searchAgents(sql, { q: '%' })).items.map((x) => x.agentId)).toEqual([a.agentId]); // % is literal
      expect((await searchAgents(sql, { q: '_' })).items.map((x) => x.agentId)).toEqual([a.agentId]);

      const [pinged] = await sql.batch([pingAgent(a.agentId, at(30))]);
      interpretPingResult(pinged!);
      expect(await getAgent(sql, a.agentId)).toMatchObject({ status: 'up', lastPingAt: at(30).toISOString() });
      const [none] = await sql.batch([pingAgent('ag_0000000000000000', at(31))]);
      expect(() => interpretPingResult(none!)).toThrow(StrataError);
      expect(() => registerAgent({ name: 'x', capabilities: [] }, at(32))).toThrow(/webhookUrl/);
    });
  });
}

catalogRepoSuite('pglite', () => createPgliteSql());

await describeWith(['postgres'], 'catalog repo on PostgreSQL', () => {
  let db: TestDatabase;
  let db2: TestDatabase;
  let bridge: NeonBridge;
  beforeAll(async () => {
    db = await createTestDatabase('strata_cat');
    db2 = await createTestDatabase('strata_catn');
    bridge = await startNeonBridge({ pgUrl: db2.url });
    // Neon HTTP has no interactive transactions for the runner: migrate over node-postgres
    const m = await migrated(createPgSql({ url: db2.url }));
    await m.close();
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
    await db2?.drop();
  });
  catalogRepoSuite('node-postgres', async () => createPgSql({ url: db.url }));
  catalogRepoSuite('neon-http via bridge', async () => createNeonHttpSql({ url: db2.url, fetchEndpoint: bridge.httpUrl }), {
    premigrated: true,
  });
});
