/**
 * Ports whose adapter is loaded on first use. On Lambda the AWS SDK clients are the largest
 * part of a cold start, and most requests never touch S3 or send a job: loading them lazily
 * keeps them off the cold path while the port stays the same.
 */
import type { BlobStore } from '../ports/blob';
import type { Queue } from '../ports/queue';
import { once } from '../util/once';

/** A BlobStore of `kind` whose adapter `load` builds on the first call. */
export function lazyBlobStore(kind: BlobStore['kind'], load: () => Promise<BlobStore>): BlobStore {
  const get = once(load);
  return {
    kind,
    put: async (key, body, opts) => (await get()).put(key, body, opts),
    head: async (key) => (await get()).head(key),
    get: async (key, range) => (await get()).get(key, range),
    delete: async (key) => (await get()).delete(key),
    presignGet: async (key, opts) => (await get()).presignGet(key, opts),
    presignPut: async (key, opts) => (await get()).presignPut(key, opts),
    ping: async () => (await get()).ping(),
    multipart: {
      create: async (key, opts) => (await get()).multipart.create(key, opts),
      presignPart: async (key, id, n, opts) => (await get()).multipart.presignPart(key, id, n, opts),
      putPart: async (key, id, n, body, opts) => (await get()).multipart.putPart(key, id, n, body, opts),
      listParts: async (key, id) => (await get()).multipart.listParts(key, id),
      complete: async (key, id, parts) => (await get()).multipart.complete(key, id, parts),
      abort: async (key, id) => (await get()).multipart.abort(key, id),
    },
  };
}

/** A Queue of `kind` whose adapter `load` builds on the first send. */
export function lazyQueue(kind: Queue['kind'], load: () => Promise<Queue>): Queue {
  const get = once(load);
  return { kind, send: async (jobs) => (await get()).send(jobs) };
}
