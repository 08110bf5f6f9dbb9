/**
 * How the examples find a server: STRATA_URL (default http://127.0.0.1:8787, what `npm start`
 * serves) and the tokens from STRATA_ADMIN_TOKEN / STRATA_INGEST_TOKEN, else from the tokens file
 * a local server wrote (.strata/tokens.json). Each example exports `run(client, print)` and runs
 * itself when started directly: `npx tsx examples/browse.ts`.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { StrataClient, DEFAULT_BASE_URL } from '@strata/client';

export type Print = (line: string) => void;

export async function connect(env: Readonly<Record<string, string | undefined>> = process.env): Promise<StrataClient> {
  let tokens: { admin?: string; ingest?: string } = {};
  try {
    tokens = JSON.parse(await readFile(env.STRATA_HOME ? `${env.STRATA_HOME}/tokens.json` : '.strata/tokens.json', 'utf8')) as typeof tokens;
  } catch {
    /* no local tokens file: read-only examples still work */
  }
  const adminToken = env.STRATA_ADMIN_TOKEN ?? tokens.admin;
  const ingestToken = env.STRATA_INGEST_TOKEN ?? tokens.ingest;
  return new StrataClient({
    baseUrl: env.STRATA_URL ?? DEFAULT_BASE_URL,
    ...(adminToken ? { adminToken } : {}),
    ...(ingestToken ? { ingestToken } : {}),
  });
}

/** Runs `run` when the module is the process's entry (`npx tsx examples/<name>.ts`). */
export function runIfMain(meta: ImportMeta, run: (client: StrataClient, print: Print) => Promise<unknown>): void {
  if (process.argv[1] && meta.url === pathToFileURL(process.argv[1]).href) {
    connect()
      .then((client) => run(client, (line) => console.log(line)))
      .catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exitCode = 1;
      });
  }
}
