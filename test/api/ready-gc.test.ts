/**
 * GET /ready's garbage dies young (ADR 0063): during one client's depth-8 /ready loop, with the
 * Node entries' V8 settings, a young-generation collection keeps only a few per cent of what it
 * finds. Two regressions put its p99 over 5 ms before, and each shows here: an allocation pattern
 * that outlives young collections (an object spread per lineage node kept 16 %) and allocation-site
 * pretenuring (V8's default: 20–29 %, the second measurement, which shows the test can fail).
 * Each measurement runs in a child process of its own on the local PostgreSQL and Redis.
 */
import { describe, expect, it } from 'vitest';
import { runReadyGc } from '../support/ready-gc';

describe('GET /ready and the young generation', () => {
  it('a young collection keeps under 12 % of a /ready loop with the entries settings; V8 defaults keep far more', async () => {
    const tuned = await runReadyGc('entries', 1500);
    const defaults = await runReadyGc('v8-defaults', 1500);
    expect(tuned.scavenges).toBeGreaterThanOrEqual(4);
    expect(tuned.youngSurvivalMedianPct).toBeLessThan(12);
    expect(defaults.youngSurvivalMedianPct).toBeGreaterThan(tuned.youngSurvivalMedianPct * 2);
  }, 240_000);
});
