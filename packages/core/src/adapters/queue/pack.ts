/** Splits messages into batches that respect a queue service's count and byte limits. */
import { StrataError } from '../../errors';

export interface BatchLimits {
  readonly maxCount: number;
  readonly maxBatchBytes: number;
  readonly maxItemBytes: number;
  /** Names the item limit in errors, e.g. `256 KiB SQS`. */
  readonly label: string;
}

/** Packs items in order; an item above the per-message limit is `payload-too-large`. */
export function packBySize<T>(items: readonly T[], sizeOf: (item: T) => number, limits: BatchLimits): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = sizeOf(item);
    if (n > limits.maxItemBytes) throw new StrataError('payload-too-large', `A ${n}-byte job exceeds the ${limits.label} message limit.`);
    if (cur.length === limits.maxCount || bytes + n > limits.maxBatchBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** UTF-8 size of a string. */
export const utf8Bytes = (s: string): number => new TextEncoder().encode(s).byteLength;
