/** File helpers for publish and buy: SHA-256 with progress, ranged reads, JSON state written atomically (mode 0600). */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import type { UploadSource } from '../upload';

/** SHA-256 (hex) of a file, streamed; `onBytes` is told each chunk's length. */
export async function sha256File(path: string, onBytes: (n: number) => void = () => undefined, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) })) {
    h.update(chunk as Buffer);
    onBytes((chunk as Buffer).byteLength);
  }
  return h.digest('hex');
}

/** An UploadSource reading byte ranges of a file (one part in memory at a time). */
export async function fileSource(path: string, sizeBytes: number): Promise<UploadSource & { close(): Promise<void> }> {
  const fh = await open(path, 'r');
  return {
    sizeBytes,
    async read(offset, length) {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) throw new Error(`${path} is shorter than ${sizeBytes} bytes: it changed while publishing`);
        got += bytesRead;
      }
      return buf;
    },
    close: () => fh.close(),
  };
}

/** Reads a JSON state file, or undefined when there is none (or it is unreadable). */
export async function readState<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes a JSON state file atomically (temp file + rename), readable only by its owner. */
export async function writeState(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

const MIME: Record<string, string> = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.ndjson': 'application/x-ndjson',
  '.parquet': 'application/vnd.apache.parquet',
  '.avro': 'application/avro',
  '.xml': 'application/xml',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.safetensors': 'application/octet-stream',
};

/** A media type from the file name (application/octet-stream when unknown). */
export const mimeTypeOf = (path: string): string => MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
