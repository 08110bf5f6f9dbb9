/** Host resolution through the operating system (Node and Lambda), for the webhook address checks. */
import { lookup } from 'node:dns/promises';
import type { HostResolver } from '@strata/core/net/webhook-url';

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/** Every address the name resolves to; [] when it does not exist. */
export const nodeResolver: HostResolver = async (hostname) => {
  try {
    const r = await lookup(hostname, { all: true, verbatim: true });
    return r.map((a) => a.address);
  } catch (e) {
    if (NOT_FOUND.has((e as { code?: string }).code ?? '')) return [];
    throw e;
  }
};
