/** The Cloudflare Queues adapter against the producer binding's contract (sendBatch limits). */
import { describe, expect, it } from 'vitest';
import { createCloudflareQueue } from '@strata/core/adapters/queue/cloudflare';
import type { Job } from '@strata/core/ports/queue';

function recordingBinding() {
  const batches: { body: unknown }[][] = [];
  return { batches, binding: { sendBatch: async (m: Iterable<{ body: unknown }>) => void batches.push([...m]) } };
}

const job = (payload: unknown): Job => ({ type: 'outbox.sweep', payload });

describe('Cloudflare Queues adapter', () => {
  it('sends at most 100 messages per sendBatch, in order', async () => {
    const { batches, binding } = recordingBinding();
    await createCloudflareQueue(binding).send(Array.from({ length: 250 }, (_, i) => job({ i })));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect((batches[2]![49]!.body as Job<{ i: number }>).payload.i).toBe(249);
  });

  it('keeps each batch under 256 KB', async () => {
    const { batches, binding } = recordingBinding();
    await createCloudflareQueue(binding).send(Array.from({ length: 5 }, () => job({ pad: 'x'.repeat(100_000) })));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches) expect(new TextEncoder().encode(JSON.stringify(b.map((m) => m.body))).byteLength).toBeLessThan(256_000);
  });

  it('refuses a job above the 128 KB message limit before sending anything', async () => {
    const { batches, binding } = recordingBinding();
    await expect(createCloudflareQueue(binding).send([job({}), job({ pad: 'x'.repeat(130_000) })])).rejects.toThrow(/128 KB Cloudflare Queues/);
    expect(batches).toEqual([]);
  });
});
