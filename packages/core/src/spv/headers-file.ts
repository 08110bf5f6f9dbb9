/**
 * The seed's headers file (HEADERS_SOURCE): `{bestHeight, tipHash, headers:[{hash, prevHash,
 * merkleRoot, height}]}` or `{bestHeight, tipHash, byHash:{<hash>:{prevHash, merkleRoot, height}}}`.
 * Entries carry no raw header, so proof of work cannot be checked: the file is a trusted source.
 * An entry may add `raw` (80-byte hex); then it must hash to `hash` and agree with its fields,
 * and `rawHeadersInOrder` can feed the entries to insertHeaders, which does check proof of work.
 */
import { z } from 'zod';
import { StrataError } from '../errors';
import { parseHeader } from './header';
import type { ChainHeader, ChainView } from './envelope';

/** Bounds a file read into memory (≈ 25 years of blocks). */
export const MAX_FILE_HEADERS = 1_500_000;

const hash32 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase());
const height = z.number().int().min(0).max(0x7fffffff);
const entryFields = {
  prevHash: hash32,
  merkleRoot: hash32.optional(),
  height,
  raw: z.string().regex(/^[0-9a-fA-F]{160}$/).optional(),
};
const fileSchema = z.union([
  z.object({
    bestHeight: height,
    tipHash: hash32,
    headers: z.array(z.object({ hash: hash32, ...entryFields })).max(MAX_FILE_HEADERS),
  }),
  z.object({ bestHeight: height, tipHash: hash32, byHash: z.record(z.string(), z.object(entryFields)) }),
]);

export interface FileHeader {
  readonly hash: string;
  readonly prevHash: string;
  readonly merkleRoot: string | null;
  readonly height: number;
  readonly raw: string | null;
}

export interface HeadersFile {
  readonly bestHeight: number;
  readonly tipHash: string;
  /** Sorted by height. */
  readonly headers: readonly FileHeader[];
}

function bad(message: string): StrataError {
  return new StrataError('validation-failed', 'The headers file is not valid.', { issues: [{ path: 'headers', message }] });
}

/** Parses and cross-checks a headers file; throws a validation StrataError when it is not one. */
export function parseHeadersFile(text: string): HeadersFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'unexpected shape');
  const f = parsed.data;
  const entries =
    'headers' in f
      ? f.headers
      : Object.entries(f.byHash).map(([key, v]) => {
          const k = hash32.safeParse(key);
          if (!k.success) throw bad('byHash keys must be 64 hex characters');
          return { ...v, hash: k.data };
        });
  if (entries.length > MAX_FILE_HEADERS) throw bad('too many headers');
  const byHash = new Map<string, FileHeader>();
  for (const e of entries) {
    if (byHash.has(e.hash)) throw bad(`duplicate header ${e.hash}`);
    if (e.raw !== undefined) {
      const h = parseHeader(e.raw);
      if (h === null || h.hash !== e.hash || h.prevHash !== e.prevHash || (e.merkleRoot && h.merkleRoot !== e.merkleRoot)) {
        throw bad(`raw header does not match entry ${e.hash}`);
      }
    }
    byHash.set(e.hash, {
      hash: e.hash,
      prevHash: e.prevHash,
      merkleRoot: e.merkleRoot ?? null,
      height: e.height,
      raw: e.raw?.toLowerCase() ?? null,
    });
  }
  const tip = byHash.get(f.tipHash);
  if (tip === undefined || tip.height !== f.bestHeight) throw bad('tipHash must name an entry at bestHeight');
  for (const h of byHash.values()) {
    const parent = byHash.get(h.prevHash);
    if (parent !== undefined && parent.height !== h.height - 1) throw bad(`height of ${h.hash} does not follow its parent`);
  }
  const headers = [...byHash.values()].sort((a, b) => a.height - b.height);
  return { bestHeight: f.bestHeight, tipHash: f.tipHash, headers };
}

/** Raw headers of the tip's ancestry in chain order (for insertHeaders); null if any lacks `raw`. */
export function rawHeadersInOrder(file: HeadersFile): { headers: string[]; startHeight: number } | null {
  const best = bestChain(file);
  const raws = best.map((h) => h.raw);
  if (raws.some((r) => r === null) || best.length === 0) return null;
  return { headers: raws as string[], startHeight: (best[0] as FileHeader).height };
}

/** The tip's ancestry within the file, lowest first. */
function bestChain(file: HeadersFile): FileHeader[] {
  const byHash = new Map(file.headers.map((h) => [h.hash, h]));
  const chain: FileHeader[] = [];
  // heights strictly decrease along prevHash (checked on parse), so this ends; the bound is a backstop
  for (let h = byHash.get(file.tipHash); h !== undefined && chain.length <= byHash.size; h = byHash.get(h.prevHash)) {
    chain.push(h);
  }
  return chain.reverse();
}

/** An in-memory ChainView over a parsed file: the best chain is the tip's ancestry. */
export function fileChainView(file: HeadersFile): ChainView {
  const byHash = new Map(file.headers.map((h) => [h.hash, h]));
  const onBest = new Set(bestChain(file).map((h) => h.hash));
  return {
    headerByHash: (hash): ChainHeader | null => {
      const h = byHash.get(hash.toLowerCase());
      return h ? { hash: h.hash, height: h.height, merkleRoot: h.merkleRoot, onBest: onBest.has(h.hash) } : null;
    },
    isOnBestChain: (hash) => onBest.has(hash.toLowerCase()),
    tip: () => ({ hash: file.tipHash, height: file.bestHeight }),
  };
}
